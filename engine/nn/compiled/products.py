"""Sums and products in the order NumPy and its BLAS take them, as compiled loops (Numba),
so that every result has the same bits: what ``kernels`` builds a layer's step from.

The orders, as measured against NumPy 2 and OpenBLAS (``plan`` checks them again on the
machine it runs on, and uses NumPy for any product whose order differs there):

- A product of matrices (BLAS ``gemm``): each entry sums its terms first to last, each
  term added by a fused multiply-add, c <- a b + c rounded once (``_fma``; 8x8 blocks of
  entries side by side in vector registers, ``blocks``). Neither the Python loops'
  a b + c (two roundings) nor a compiler's own reordering gives that.
- A product with one column is a matrix-vector product (BLAS ``gemv``), with orders of
  its own. z = a w, each entry a row of ``a`` times ``w`` (``matvec``): rows four at a
  time, each summed in four lanes by fused multiply-adds (term p in lane p mod 4), the
  lanes added as (l0 + l2) + (l1 + l3); two rows left over are summed in two lanes
  without fusing, added l0 + l1; a last row in four such lanes, added as ``matvec``'s.
  dW = a^T d (``transposed_matvec``): terms four at a time, t = (a0 d0 + a2 d2) +
  (a1 d1 + a3 d3) each pair fused, added to the entry; two terms left over as
  a0 d0 + a1 d1, one as a0 d0. Both need the summed length a multiple of four (as
  OpenBLAS's kernels for Haswell and later take it; the tail rows go elsewhere).
- A sum over a contiguous run (``np.add.reduce`` of a vector, of a whole array, of each
  row): NumPy's pairwise summation (``pairwise_sum``: eight running sums per block of up
  to 128 numbers, combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), the rest
  added one by one; longer runs split in two halves, each a multiple of 8).
- A sum down the rows of a matrix (``np.add.reduce(x, axis=0)``): row after row, from
  the first row; a one-column matrix is a contiguous run (pairwise).

Importing this module imports Numba (about 0.1 s) and loads the compiled loops from
Numba's cache, compiling them on the first use after an install.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit, types
from numba.core.extending import intrinsic

from nnterm.engine.nn.compiled.blocks import LANES, block, block_strided

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """Compile ``fn`` with Numba, cached on disk (typed for mypy as the function itself)."""
    return cast(F, njit(cache=True)(fn))


def inlined_kernel(fn: F) -> F:
    """``kernel``, its body copied into every kernel that calls it: a call from compiled
    code still costs some 20 ns (its arrays' reference counts), which a sum called
    once a row (``kernels.row_sums``) paid more for than for its few additions."""
    return cast(F, njit(cache=True, inline="always")(fn))


def _fma_intrinsic(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
    """a * b + c rounded once (LLVM's llvm.fma: one instruction where the CPU has FMA)."""
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.fma(*args)

    return signature, codegen


_fma = cast(Callable[[float, float, float], float], intrinsic(_fma_intrinsic))


@inlined_kernel
def _block_sum(x: np.ndarray, start: int, n: int) -> float:
    """NumPy's sum of a run of at most 128 numbers: one by one below 8, else eight
    running sums combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the
    rest one by one."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += x[i]
        return total
    r0, r1, r2, r3 = x[start], x[start + 1], x[start + 2], x[start + 3]
    r4, r5, r6, r7 = x[start + 4], x[start + 5], x[start + 6], x[start + 7]
    i = 8
    whole_blocks = n - n % 8
    while i < whole_blocks:
        j = start + i
        r0 += x[j]
        r1 += x[j + 1]
        r2 += x[j + 2]
        r3 += x[j + 3]
        r4 += x[j + 4]
        r5 += x[j + 5]
        r6 += x[j + 6]
        r7 += x[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += x[start + i]
        i += 1
    result: float = total
    return result


@inlined_kernel
def pairwise_sum(x: np.ndarray, start: int, n: int) -> float:
    """The sum of x[start:start + n] (a 1-D contiguous array) in NumPy's pairwise order:
    a run of more than 128 is split into two halves, the first a multiple of 8 long, and
    the sums of the halves added. Written without recursion (Numba's cache does not keep
    recursive functions safely): the split tree is walked with a stack, each node's sum
    kept until its sibling's is known."""
    if n <= 128:
        return _block_sum(x, start, n)
    starts = np.empty(128, np.int64)
    lengths = np.empty(128, np.int64)
    expanded = np.zeros(128, np.bool_)
    sums = np.empty(128)
    top = 0
    starts[0], lengths[0] = start, n
    done = 0  # sums computed and not yet added to their sibling's
    while top >= 0:
        length = lengths[top]
        if length <= 128 or expanded[top]:
            if length <= 128:
                sums[done] = _block_sum(x, starts[top], length)
                done += 1
            else:
                right = sums[done - 1]
                left = sums[done - 2]
                done -= 2
                sums[done] = left + right
                done += 1
            top -= 1
            continue
        expanded[top] = True
        half = length // 2
        half -= half % 8
        here = starts[top]
        starts[top + 1], lengths[top + 1], expanded[top + 1] = here + half, length - half, False
        starts[top + 2], lengths[top + 2], expanded[top + 2] = here, half, False
        top += 2
    result: float = sums[0]
    return result


@inlined_kernel
def _vector_blocks(a: np.ndarray, b: np.ndarray, out: np.ndarray, rows: int, cols: int,
                   inner: int, transposed_a: bool, transposed_b: bool) -> None:
    """out[:rows, :cols] = a b (``matmul``'s transposes), rows and cols multiples of 8,
    in 8x8 blocks of vector sums (``blocks``)."""
    item = out.itemsize
    a_row, a_k = a.strides[0] // item, a.strides[1] // item
    if transposed_a:
        a_row, a_k = a_k, a_row
    b_k, b_col = b.strides[0] // item, b.strides[1] // item
    if transposed_b:
        b_k, b_col = b_col, b_k
    out_row = out.strides[0] // item
    a_at, b_at, out_at = a.ctypes.data, b.ctypes.data, out.ctypes.data
    for i in range(0, rows, LANES):
        for j in range(0, cols, LANES):
            a_i, b_j = a_at + i * a_row * item, b_at + j * b_col * item
            out_ij = out_at + (i * out_row + j) * item
            if b_col == 1:
                block(a_i, b_j, out_ij, inner, a_row, a_k, b_k, b_col, out_row)
            else:
                block_strided(a_i, b_j, out_ij, inner, a_row, a_k, b_k, b_col, out_row)


@kernel
def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray, transposed_a: bool = False,
           transposed_b: bool = False) -> None:
    """out = a b (or a^T b, a b^T: the transposes read in place, not copied), each entry's
    terms summed first to last by fused multiply-adds: eight rows by eight columns at a
    time in vector registers (``blocks``); the rows left over eight entries of a row at a
    time, each in a local of its own (the sums advance side by side in registers: one
    sum waits four cycles for each term), and the columns left over (all of a product
    with fewer than eight, such as a two-class output layer's) eight rows at a time."""
    rows, cols = out.shape
    inner = a.shape[0] if transposed_a else a.shape[1]
    blocked = cols - cols % 8
    grouped = rows - rows % 8
    # the rows the blocks take (they store a row of out at once, and step through a and b
    # by out's item): all but the last rows % 8, where out's rows are contiguous float64
    in_blocks = 0
    if blocked and out.strides[1] == out.itemsize == 8 and a.itemsize == b.itemsize == 8:
        in_blocks = grouped
        _vector_blocks(a, b, out, grouped, blocked, inner, transposed_a, transposed_b)
    for i in range(in_blocks, rows):
        for j in range(0, blocked, 8):
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = 0.0
            for k in range(inner):
                factor = a[k, i] if transposed_a else a[i, k]
                if transposed_b:
                    c0 = _fma(factor, b[j, k], c0)
                    c1 = _fma(factor, b[j + 1, k], c1)
                    c2 = _fma(factor, b[j + 2, k], c2)
                    c3 = _fma(factor, b[j + 3, k], c3)
                    c4 = _fma(factor, b[j + 4, k], c4)
                    c5 = _fma(factor, b[j + 5, k], c5)
                    c6 = _fma(factor, b[j + 6, k], c6)
                    c7 = _fma(factor, b[j + 7, k], c7)
                else:
                    c0 = _fma(factor, b[k, j], c0)
                    c1 = _fma(factor, b[k, j + 1], c1)
                    c2 = _fma(factor, b[k, j + 2], c2)
                    c3 = _fma(factor, b[k, j + 3], c3)
                    c4 = _fma(factor, b[k, j + 4], c4)
                    c5 = _fma(factor, b[k, j + 5], c5)
                    c6 = _fma(factor, b[k, j + 6], c6)
                    c7 = _fma(factor, b[k, j + 7], c7)
            out[i, j], out[i, j + 1], out[i, j + 2], out[i, j + 3] = c0, c1, c2, c3
            out[i, j + 4], out[i, j + 5], out[i, j + 6], out[i, j + 7] = c4, c5, c6, c7
    for j in range(blocked, cols):
        for i in range(0, grouped, 8):
            r0 = r1 = r2 = r3 = r4 = r5 = r6 = r7 = 0.0
            for k in range(inner):
                factor = b[j, k] if transposed_b else b[k, j]
                if transposed_a:
                    r0 = _fma(a[k, i], factor, r0)
                    r1 = _fma(a[k, i + 1], factor, r1)
                    r2 = _fma(a[k, i + 2], factor, r2)
                    r3 = _fma(a[k, i + 3], factor, r3)
                    r4 = _fma(a[k, i + 4], factor, r4)
                    r5 = _fma(a[k, i + 5], factor, r5)
                    r6 = _fma(a[k, i + 6], factor, r6)
                    r7 = _fma(a[k, i + 7], factor, r7)
                else:
                    r0 = _fma(a[i, k], factor, r0)
                    r1 = _fma(a[i + 1, k], factor, r1)
                    r2 = _fma(a[i + 2, k], factor, r2)
                    r3 = _fma(a[i + 3, k], factor, r3)
                    r4 = _fma(a[i + 4, k], factor, r4)
                    r5 = _fma(a[i + 5, k], factor, r5)
                    r6 = _fma(a[i + 6, k], factor, r6)
                    r7 = _fma(a[i + 7, k], factor, r7)
            out[i, j], out[i + 1, j], out[i + 2, j], out[i + 3, j] = r0, r1, r2, r3
            out[i + 4, j], out[i + 5, j], out[i + 6, j], out[i + 7, j] = r4, r5, r6, r7
        for i in range(grouped, rows):
            c = 0.0
            for k in range(inner):
                c = _fma(a[k, i] if transposed_a else a[i, k],
                         b[j, k] if transposed_b else b[k, j], c)
            out[i, j] = c


@kernel
def matvec(a: np.ndarray, w: np.ndarray, out: np.ndarray) -> None:
    """out[i, 0] = a[i] . w[:, 0] in ``gemv``'s order (the module doc); a's width a
    multiple of 4."""
    rows, inner = a.shape
    grouped = rows - rows % 4
    for i in range(rows):
        if i < grouped:  # four fused lanes, (l0 + l2) + (l1 + l3)
            l0 = l1 = l2 = l3 = 0.0
            for k in range(0, inner, 4):
                l0 = _fma(a[i, k], w[k, 0], l0)
                l1 = _fma(a[i, k + 1], w[k + 1, 0], l1)
                l2 = _fma(a[i, k + 2], w[k + 2, 0], l2)
                l3 = _fma(a[i, k + 3], w[k + 3, 0], l3)
            out[i, 0] = (l0 + l2) + (l1 + l3)
        elif i < grouped + 2 * ((rows % 4) // 2):  # two lanes, products then sums
            l0 = l1 = 0.0
            for k in range(0, inner, 2):
                l0 += a[i, k] * w[k, 0]
                l1 += a[i, k + 1] * w[k + 1, 0]
            out[i, 0] = l0 + l1
        else:  # the last row: four lanes, products then sums
            l0 = l1 = l2 = l3 = 0.0
            for k in range(0, inner, 4):
                l0 += a[i, k] * w[k, 0]
                l1 += a[i, k + 1] * w[k + 1, 0]
                l2 += a[i, k + 2] * w[k + 2, 0]
                l3 += a[i, k + 3] * w[k + 3, 0]
            out[i, 0] = (l0 + l2) + (l1 + l3)


@kernel
def transposed_matvec(a: np.ndarray, d: np.ndarray, out: np.ndarray) -> None:
    """out[k, 0] = sum over rows i of a[i, k] d[i, 0] (a^T d) in ``gemv``'s order (the
    module doc); a's width a multiple of 4."""
    rows, width = a.shape
    grouped = rows - rows % 4
    for k in range(width):
        total = 0.0
        for i in range(0, grouped, 4):
            even = _fma(a[i + 2, k], d[i + 2, 0], a[i, k] * d[i, 0])
            odd = _fma(a[i + 3, k], d[i + 3, 0], a[i + 1, k] * d[i + 1, 0])
            total = total + (even + odd)
        i = grouped
        if rows % 4 >= 2:
            total = total + (a[i, k] * d[i, 0] + a[i + 1, k] * d[i + 1, 0])
            i += 2
        if rows % 2 == 1:
            total = total + a[i, k] * d[i, 0]
        out[k, 0] = total


@kernel
def product(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a b as NumPy takes it: ``matvec`` when b has one column (a's width then a
    multiple of 4: ``plan._orders_known``), else ``matmul``."""
    if b.shape[1] == 1:
        matvec(a, b, out)
    else:
        matmul(a, b, out)


@kernel
def product_transposed(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out = a b^T as NumPy takes ``a.dot(b.T)``: ``matvec`` when b has one row (b^T one
    column; a's width then a multiple of 4), else ``matmul`` reading b^T in place."""
    if b.shape[0] == 1:
        matvec(a, b.T, out)
    else:
        matmul(a, b, out, False, True)


@kernel
def transposed_product(a: np.ndarray, d: np.ndarray, out: np.ndarray) -> None:
    """out = a^T d as NumPy takes ``a.T.dot(d)``: ``transposed_matvec`` when d has one
    column (a's width then a multiple of 4), else ``matmul`` of a^T."""
    if d.shape[1] == 1:
        transposed_matvec(a, d, out)
    else:
        matmul(a, d, out, True, False)
