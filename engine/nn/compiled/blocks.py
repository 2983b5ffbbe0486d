"""An 8x8 block of a matrix product in vector registers, each entry summed as BLAS sums
it: its terms first to last, each added by a fused multiply-add (``products``' order).

Numba's loops compute one entry at a time with scalar instructions: LLVM does not turn
eight of them into one vector instruction, and a product of 32x32 matrices took 4.8 us
against BLAS's 1.8. Here the block is written in LLVM's own terms (an intrinsic): eight
rows of ``out``, each an 8-wide vector of sums, advance together, one term at a time,
row r's sums by fma(a[r, k], b[k, j:j+8], sums): every lane is the fused multiply-add
the scalar loop did, so the bits are the same, and the eight independent rows keep the
CPU's multiply-add units busy. 32x32 by 32x32 now takes 1.0 us, 64x64 by 64x64 5.8 (BLAS
10.5). The vectors are LLVM's <8 x double>: one AVX-512 register, two AVX2 ones; on a CPU
without fused multiply-adds LLVM calls libm's fma, with the same bits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.extending import intrinsic

#: The rows and the columns of a block.
LANES = 8


def _block_codegen(contiguous_b: bool) -> Callable[..., Any]:
    """The block's LLVM code. Addresses are in bytes, steps in elements: a[r, k] is at
    a + (r a_row + k a_k), b[k, c] at b + (k b_k + c b_col), out[r, c] at
    out + (r out_row + c). With ``contiguous_b`` (b_col is 1) a row of b is one vector
    load, else eight loads."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        a_addr, b_addr, out_addr, inner, a_row, a_k, b_k, b_col, out_row = args
        f64, i32, i64 = ir.DoubleType(), ir.IntType(32), ir.IntType(64)
        vector = ir.VectorType(f64, LANES)
        a0, b0, out0 = (builder.inttoptr(x, f64.as_pointer())
                        for x in (a_addr, b_addr, out_addr))
        fma = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vector, [vector] * 3), f"llvm.fma.v{LANES}f64")
        zero = ir.Constant(vector, None)
        undefined = ir.Constant(vector, ir.Undefined)
        broadcast = ir.Constant(ir.VectorType(i32, LANES), [0] * LANES)
        entry = builder.basic_block
        loop = builder.append_basic_block("terms")
        done = builder.append_basic_block("terms_done")
        builder.cbranch(builder.icmp_signed(">", inner, ir.Constant(i64, 0)), loop, done)

        builder.position_at_end(loop)  # one term k of every sum
        k = builder.phi(i64)
        sums = [builder.phi(vector) for _ in range(LANES)]
        b_at = builder.gep(b0, [builder.mul(k, b_k)])
        if contiguous_b:
            b_row = builder.load(builder.bitcast(b_at, vector.as_pointer()), align=8)
        else:
            b_row = zero
            for c in range(LANES):
                entry_c = builder.load(builder.gep(b_at, [builder.mul(ir.Constant(i64, c),
                                                                      b_col)]))
                b_row = builder.insert_element(b_row, entry_c, ir.Constant(i32, c))
        a_at = builder.gep(a0, [builder.mul(k, a_k)])
        added = []
        for r, row_sums in enumerate(sums):
            factor = builder.load(builder.gep(a_at, [builder.mul(ir.Constant(i64, r), a_row)]))
            factors = builder.shuffle_vector(
                builder.insert_element(undefined, factor, ir.Constant(i32, 0)), undefined,
                broadcast)
            added.append(builder.call(fma, [factors, b_row, row_sums]))
        following = builder.add(k, ir.Constant(i64, 1))
        last = builder.basic_block
        builder.cbranch(builder.icmp_signed("<", following, inner), loop, done)
        k.add_incoming(ir.Constant(i64, 0), entry)
        k.add_incoming(following, last)
        for row_sums, value in zip(sums, added, strict=True):
            row_sums.add_incoming(zero, entry)
            row_sums.add_incoming(value, last)

        builder.position_at_end(done)  # the sums into out's rows
        totals = []
        for value in added:
            total = builder.phi(vector)
            total.add_incoming(zero, entry)
            total.add_incoming(value, last)
            totals.append(total)
        for r, total in enumerate(totals):
            out_at = builder.gep(out0, [builder.mul(ir.Constant(i64, r), out_row)])
            builder.store(total, builder.bitcast(out_at, vector.as_pointer()), align=8)
        return context.get_dummy_value()

    return codegen


def _block_intrinsic(contiguous_b: bool) -> Callable[..., None]:
    def typer(typingctx: Any, a: Any, b: Any, out: Any, inner: Any, a_row: Any, a_k: Any,
              b_k: Any, b_col: Any, out_row: Any) -> Any:
        return types.none(*([types.intp] * 9)), _block_codegen(contiguous_b)

    return cast(Callable[..., None], intrinsic(typer))


#: block(a, b, out, inner, a_row, a_k, b_k, b_col, out_row): out[r, c] = the sum over
#: k < inner of a[r, k] b[k, c], for r, c < 8 (addresses and steps: ``_block_codegen``);
#: ``block_strided`` for a b whose rows are not contiguous (b_col > 1: a transpose)
block = _block_intrinsic(contiguous_b=True)
block_strided = _block_intrinsic(contiguous_b=False)
