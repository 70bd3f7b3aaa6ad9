"""Functional training model: an MLP in crossbar arrays, trained with BP or DFA."""
