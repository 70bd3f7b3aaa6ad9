"""Layer types: a convolution read at every position (im2col) is the convolution, col2im its transpose,
pooling and its backward pass, and the geometry of a network on its input."""

import numpy as np
import pytest

from cyclesim.layers import AvgPool2d, Conv2d, Dense, Flatten, MaxPool2d, dense, geometry

RNG = np.random.default_rng(0)


def direct_conv(x: np.ndarray, w: np.ndarray, shape, conv: Conv2d) -> np.ndarray:
    """a[b, o, i, j] = sum_{c, u, v} W[(c, u, v), o] x_padded[b, c, s*i + u, s*j + v], by loops."""
    c, h, wd = shape
    k, s, p = conv.kernel, conv.stride, conv.padding
    xp = np.pad(x.reshape(len(x), c, h, wd), ((0, 0), (0, 0), (p, p), (p, p)))
    _co, ho, wo = conv.out_shape(shape)
    kern = w.T.reshape(conv.out_channels, c, k, k)
    out = np.zeros((len(x), conv.out_channels, ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = np.einsum("bcuv,ocuv->bo", xp[:, :, s * i : s * i + k, s * j : s * j + k], kern)
    return out.reshape(len(x), -1)


@pytest.mark.parametrize(
    ("conv", "shape"),
    [(Conv2d(4, 3), (2, 7, 9)), (Conv2d(5, 5, stride=2, padding=2), (3, 11, 10)), (Conv2d(2, 1), (3, 4, 4))],
)
def test_patches_read_through_the_unrolled_kernel_are_the_convolution(conv, shape):
    x = RNG.standard_normal((3, int(np.prod(shape))))
    rows, cols = conv.matrix(shape)
    w = RNG.standard_normal((rows, cols))
    patches = conv.patches(x, shape)
    assert patches.shape == (3 * conv.positions(shape), rows)
    np.testing.assert_allclose(conv.unrows(patches @ w, shape), direct_conv(x, w, shape, conv), rtol=1e-12)


@pytest.mark.parametrize(
    ("conv", "shape"), [(Conv2d(4, 3), (2, 7, 9)), (Conv2d(3, 4, stride=3, padding=1), (2, 10, 11))]
)
def test_fold_is_the_transpose_of_patches(conv, shape):
    """<patches(x), y> = <x, fold(y)> for every x, y: col2im is im2col's adjoint, as BP's transposed
    convolution needs."""
    x = RNG.standard_normal((2, int(np.prod(shape))))
    y = RNG.standard_normal(conv.patches(x, shape).shape)
    assert np.vdot(conv.patches(x, shape), y) == pytest.approx(np.vdot(x, conv.fold(y, shape)), rel=1e-12)


def test_rows_and_unrows_are_inverse_and_integer_exact():
    conv, shape = Conv2d(3, 3, padding=1), (2, 5, 5)
    y = RNG.integers(-100, 100, size=(4, 3 * 25)).astype(np.int32)
    rows = conv.rows(y, shape)
    assert rows.shape == (4 * 25, 3) and rows.dtype == np.int32
    assert np.array_equal(conv.unrows(rows, shape), y)
    assert rows[1, 2] == y[0, 2 * 25 + 1]  # sample 0, position 1, channel 2


def test_max_pool_takes_the_maximum_and_routes_the_gradient_to_its_first_position():
    pool, shape = MaxPool2d(2), (1, 4, 4)
    x = np.array([[1, 5, 2, 2, 3, 0, 2, 2, 0, 0, 9, 1, 0, 7, 1, 9]], dtype=np.float32)
    out, memo = pool.forward(x, shape)
    assert out.tolist() == [[5, 2, 7, 9]]
    g = pool.backward(np.array([[1, 2, 3, 4]], dtype=np.float32), memo, shape)
    # ties (2, 2 / 2, 2 in the second window) go to the first position
    assert g.reshape(4, 4).tolist() == [[0, 1, 2, 0], [0, 0, 0, 0], [0, 0, 4, 0], [0, 3, 0, 0]]


def test_avg_pool_averages_and_spreads_evenly():
    pool, shape = AvgPool2d(2), (2, 4, 2)
    x = RNG.standard_normal((3, 16)).astype(np.float32)
    out, memo = pool.forward(x, shape)
    np.testing.assert_allclose(out, x.reshape(3, 2, 2, 2, 1, 2).mean(axis=(3, 5)).reshape(3, -1), rtol=1e-6)
    g = RNG.standard_normal(out.shape).astype(np.float32)
    assert np.vdot(out, g) == pytest.approx(np.vdot(x, pool.backward(g, memo, shape)), rel=1e-5)


def test_overlapping_pooling_adds_the_gradients_of_every_window():
    pool, shape = MaxPool2d(3, stride=1), (1, 4, 4)
    x = np.zeros((1, 16), dtype=np.float32)
    x[0, 5] = 1  # the centre-left pixel is the maximum of all four windows
    out, memo = pool.forward(x, shape)
    g = pool.backward(np.ones_like(out), memo, shape)
    assert g[0, 5] == 4 and g.sum() == 4


def test_an_mlp_is_a_geometry_of_dense_layers():
    g = geometry(dense((784, 256, 10)), (784,))
    assert g.units == (784, 256, 10)
    assert [(s.rows, s.cols, s.positions, s.post) for s in g.stages] == [(784, 256, 1, ()), (256, 10, 1, ())]
    assert g.macs == 784 * 256 + 256 * 10


def test_lenet_geometry():
    g = geometry(
        (
            Conv2d(6, 5, padding=2),
            MaxPool2d(2),
            Conv2d(16, 5),
            MaxPool2d(2),
            Flatten(),
            Dense(120),
            Dense(84),
            Dense(10),
        ),
        (1, 28, 28),
    )
    assert [(s.rows, s.cols, s.positions) for s in g.stages] == [
        (25, 6, 784),
        (150, 16, 100),
        (400, 120, 1),
        (120, 84, 1),
        (84, 10, 1),
    ]
    assert [s.next_shape for s in g.stages[:2]] == [(6, 14, 14), (400,)]
    assert g.macs == 25 * 6 * 784 + 150 * 16 * 100 + 400 * 120 + 120 * 84 + 84 * 10
    assert g.describe().startswith("Conv2d(6, 5, padding=2) MaxPool2d(2) Conv2d(16, 5) MaxPool2d(2) Flatten()")


def test_a_leading_flatten_makes_an_mlp_of_images():
    g = geometry((Flatten(), Dense(32), Dense(10)), (3, 8, 8))
    assert g.stages[0].rows == 192 and g.units == (192, 32, 10)
