"""Hardware cost model: per-component circuits, the floorplan that maps layers onto them, and area.

`circuits` turns a technology node (tech/) into area, energy per operation, delay and leakage of
every chip component; `floorplan` maps each layer's matrices onto subarrays, PEs and tiles.
"""
