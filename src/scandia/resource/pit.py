"""Ultimate and nested open pits, solved exactly as maximum closures by max-flow (issue 17, item 4).

- **Closure.** A pit is a set of blocks closed under the slope precedences (a block may be mined only with
  the blocks above it that the slope requires). The pit of greatest value is the maximum-weight closure of the
  precedence graph (Lerchs & Grossmann, CIM Bull. 58 (1965) 47), found as a minimum s-t cut (Picard, Manage.
  Sci. 22 (1976) 1268): arcs s→i of capacity v_i for blocks of positive value, i→t of capacity -v_i for the
  others, and infinite arcs along the precedences; the blocks that cannot reach t in the final residual graph
  form the maximum closure.
- **Solver.** Goldberg & Tarjan's push-relabel (J. ACM 35 (1988) 921), first phase only (the minimum cut, not
  the flow), FIFO selection with exact global relabelling by breadth-first search from t (Cherkassky &
  Goldberg, Algorithmica 19 (1997) 390) after every 6n + m of relabelling work and the gap heuristic, compiled
  by numba. Values are 64-bit integers (``value_scale`` units
  per US$, default whole dollars), so the optimum is exact for the rounded values and no capacity overflows
  below 9.2e18 in total: SciPy's ``maximum_flow`` is limited to 32-bit capacities (wrong past 2^31).
- **Precedences** for a slope angle (degrees from horizontal; one angle, or one per azimuth sector): block
  (i, j, k) needs the blocks of the bench above within the slope's horizontal reach dz / tan(angle) of its centre,
  over ``benches`` benches (the cone's offsets, keeping the arcs not implied through the bench between; a
  1-bench 45° pattern on cubes is the classic 1:5 "plus"). Blocks of the top bench need nothing.
- **Nested pits** for price factors λ (block value = λ revenue - cost): the pits are nested (Lerchs & Grossmann
  1965; the parametric property of Hochbaum, Oper. Res. 49 (2001) 992), so the pit of a factor is solved only
  on the blocks between the pits of two factors already solved about it, by bisection over the factors
  (:func:`nested_pits`). Each Monte Carlo sample then takes its shell by its price, never a pit solve per
  sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.errors import ScenarioError
from ..core.jit import jit

__all__ = ["NestedPits", "PitResult", "nested_pits", "precedence_offsets", "precedences", "required_by",
           "ultimate_pit"]


# -- precedences ---------------------------------------------------------------------------------------------
def precedence_offsets(size_m: tuple[float, float, float], slope_deg: float | tuple[float, ...],
                       benches: int = 1) -> np.ndarray:
    """Offsets (di, dj, dk) of the blocks one block requires, for a slope angle (or angles per azimuth sector
    starting at north, clockwise, equal sectors) and a cone depth of ``benches`` benches; arcs implied through
    the bench below each offset's bench are dropped (they follow by transitivity)."""
    dx, dy, dz = (float(s) for s in size_m)
    angles = np.atleast_1d(np.asarray(slope_deg, dtype=float))
    if np.any(~np.isfinite(angles)) or np.any(angles <= 5) or np.any(angles >= 89):
        raise ScenarioError("pit.slope_deg", "slope angles must lie in (5, 89) degrees from horizontal")
    if not 1 <= benches <= 8:
        raise ScenarioError("pit.benches", "must lie in [1, 8]")

    def reach(di: np.ndarray, dj: np.ndarray) -> np.ndarray:
        az = np.degrees(np.arctan2(di * dx, dj * dy)) % 360.0  # azimuth from north, clockwise
        sector = np.floor(az / (360.0 / angles.size)).astype(int) % angles.size
        return dz / np.tan(np.radians(angles[sector]))

    cone = []
    for k in range(1, benches + 1):
        r = int(np.ceil(k * dz / np.tan(np.radians(angles.min())) / min(dx, dy))) + 1
        di, dj = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
        di, dj = di.ravel(), dj.ravel()
        inside = np.hypot(di * dx, dj * dy) <= k * reach(di, dj) + 1e-9
        cone.append({(int(a), int(b)) for a, b in zip(di[inside], dj[inside], strict=True)})
    keep = list(cone[0])
    out = [(a, b, 1) for a, b in keep]
    # an offset at bench k is implied if some (a, b) at bench k-1 plus a one-bench offset reaches it
    for k in range(2, benches + 1):
        implied = {(a + c, b + d) for a, b in cone[k - 2] for c, d in cone[0]}
        out += [(a, b, k) for a, b in cone[k - 1] if (a, b) not in implied]
    return np.array(sorted(out), dtype=np.int64)


def precedences(shape: tuple[int, int, int], offsets: np.ndarray, active: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays (ptr (n+1,), to (m,)) of each block's required blocks in C order of (ix, iy, iz), iz up;
    blocks beyond the model's sides are left out (the pit may run to the model edge). With ``active`` (n,)
    only arcs between active blocks are kept."""
    nx, ny, nz = (int(s) for s in shape)
    n = nx * ny * nz
    ix, iy, iz = np.unravel_index(np.arange(n), (nx, ny, nz))
    src, dst = [], []
    for di, dj, dk in offsets:
        jx, jy, jz = ix + di, iy + dj, iz + dk
        ok = (jx >= 0) & (jx < nx) & (jy >= 0) & (jy < ny) & (jz < nz)
        j = np.ravel_multi_index((jx[ok], jy[ok], jz[ok]), (nx, ny, nz))
        i = np.flatnonzero(ok)
        if active is not None:
            sel = active[i] & active[j]
            i, j = i[sel], j[sel]
        src.append(i)
        dst.append(j)
    s, d = np.concatenate(src), np.concatenate(dst)
    order = np.argsort(s, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(s, minlength=n), out=ptr[1:])
    return ptr, d[order].astype(np.int64)


# -- the max-flow kernel ---------------------------------------------------------------------------------------
@jit
def _global_relabel(n: int, r: np.ndarray, out_ptr: np.ndarray, out_to: np.ndarray, flow: np.ndarray,
                    in_ptr: np.ndarray, in_arc: np.ndarray, arc_from: np.ndarray, d: np.ndarray,
                    queue: np.ndarray) -> None:  # pragma: no cover
    """Exact distance labels to t in the residual graph (n + 1 for nodes that cannot reach it: a path through
    every block has n arcs)."""
    big = n + 1
    for i in range(n):
        d[i] = big
    head, tail = 0, 0
    for i in range(n):
        if r[i] > 0:
            d[i] = 1
            queue[tail] = i
            tail += 1
    while head < tail:
        w = queue[head]
        head += 1
        # u -> w residual when u requires w (infinite), i.e. an arc u->w: the in-arcs of w
        for p in range(in_ptr[w], in_ptr[w + 1]):
            u = arc_from[in_arc[p]]
            if d[u] == big:
                d[u] = d[w] + 1
                queue[tail] = u
                tail += 1
        # u -> w residual as the reverse of a precedence w -> u carrying flow
        for a in range(out_ptr[w], out_ptr[w + 1]):
            if flow[a] > 0:
                u = out_to[a]
                if d[u] == big:
                    d[u] = d[w] + 1
                    queue[tail] = u
                    tail += 1


@jit
def _rebuild_buckets(n: int, d: np.ndarray, bhead: np.ndarray, bnext: np.ndarray, bprev: np.ndarray,
                     bcount: np.ndarray) -> int:  # pragma: no cover
    """Doubly linked lists of the nodes of each finite label (<= n); returns the largest label."""
    for lab in range(n + 2):
        bhead[lab] = -1
        bcount[lab] = 0
    top = 0
    for i in range(n):
        lab = d[i]
        if lab <= n:
            _insert(i, lab, bhead, bnext, bprev, bcount)
            if lab > top:
                top = lab
    return top


@jit
def _insert(u: int, lab: int, bhead: np.ndarray, bnext: np.ndarray, bprev: np.ndarray, bcount: np.ndarray
            ) -> None:  # pragma: no cover
    h = bhead[lab]
    bnext[u] = h
    bprev[u] = -1
    if h >= 0:
        bprev[h] = u
    bhead[lab] = u
    bcount[lab] += 1


@jit
def _remove(u: int, lab: int, bhead: np.ndarray, bnext: np.ndarray, bprev: np.ndarray, bcount: np.ndarray
            ) -> None:  # pragma: no cover
    p, q = bprev[u], bnext[u]
    if p >= 0:
        bnext[p] = q
    else:
        bhead[lab] = q
    if q >= 0:
        bprev[q] = p
    bcount[lab] -= 1


@jit
def _enqueue(v: int, fifo: np.ndarray, tail: int, size: int, in_q: np.ndarray) -> tuple[int, int]:  # pragma: no cover
    """Append node v to the circular FIFO (of n + 1 slots); returns the new tail and size."""
    fifo[tail] = v
    in_q[v] = True
    return (tail + 1) % fifo.shape[0], size + 1


@jit
def _max_closure(value: np.ndarray, out_ptr: np.ndarray, out_to: np.ndarray, in_ptr: np.ndarray,
                 in_arc: np.ndarray, arc_from: np.ndarray) -> tuple[np.ndarray, int]:  # pragma: no cover
    n = value.shape[0]
    big = n + 1   # the label of blocks cut off from t
    m = out_to.shape[0]
    e = np.zeros(n, dtype=np.int64)
    r = np.zeros(n, dtype=np.int64)
    for i in range(n):
        if value[i] > 0:
            e[i] = value[i]
        else:
            r[i] = -value[i]
    flow = np.zeros(m, dtype=np.int64)
    d = np.empty(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    bhead = np.empty(n + 2, dtype=np.int64)
    bcount = np.empty(n + 2, dtype=np.int64)
    bnext = np.empty(n, dtype=np.int64)
    bprev = np.empty(n, dtype=np.int64)
    _global_relabel(n, r, out_ptr, out_to, flow, in_ptr, in_arc, arc_from, d, queue)
    top = _rebuild_buckets(n, d, bhead, bnext, bprev, bcount)
    fifo = np.empty(n + 1, dtype=np.int64)
    in_q = np.zeros(n, dtype=np.bool_)
    head, tail, size = 0, 0, 0
    for i in range(n):
        if e[i] > 0 and d[i] < big:
            tail, size = _enqueue(i, fifo, tail, size, in_q)
    relabels = 0
    pushes = 0
    work_limit = 6 * n + m   # a global relabel after about this much relabelling work (Cherkassky & Goldberg)
    work = 0
    while size > 0:
        u = fifo[head]
        head = (head + 1) % (n + 1)
        size -= 1
        in_q[u] = False
        while e[u] > 0 and d[u] < big:
            if r[u] > 0 and d[u] == 1:  # to t
                delta = min(e[u], r[u])
                e[u] -= delta
                r[u] -= delta
                pushes += 1
                if e[u] == 0:
                    break
            best = big
            for a in range(out_ptr[u], out_ptr[u + 1]):  # along the precedences (infinite residual)
                w = out_to[a]
                if d[w] + 1 == d[u]:
                    flow[a] += e[u]
                    e[w] += e[u]
                    e[u] = 0
                    pushes += 1
                    if not in_q[w] and d[w] < big:
                        tail, size = _enqueue(w, fifo, tail, size, in_q)
                    break
                if d[w] + 1 < best:
                    best = d[w] + 1
            if e[u] == 0:
                break
            for p in range(in_ptr[u], in_ptr[u + 1]):  # back along precedences that carry flow into u
                a = in_arc[p]
                if flow[a] > 0:
                    x = arc_from[a]
                    if d[x] + 1 == d[u]:
                        delta = min(e[u], flow[a])
                        flow[a] -= delta
                        e[u] -= delta
                        e[x] += delta
                        pushes += 1
                        if not in_q[x] and d[x] < big:
                            tail, size = _enqueue(x, fifo, tail, size, in_q)
                        if e[u] == 0:
                            break
                    elif d[x] + 1 < best:
                        best = d[x] + 1
            if e[u] == 0:
                break
            # relabel, with the gap heuristic: if u was the last node of its label, every node above it is cut
            # off from t (Derigs & Meier 1989; Cherkassky & Goldberg 1997)
            if r[u] > 0:
                best = 1
            old = d[u]
            _remove(u, old, bhead, bnext, bprev, bcount)
            relabels += 1
            work += out_ptr[u + 1] - out_ptr[u] + in_ptr[u + 1] - in_ptr[u] + 12
            if bcount[old] == 0:
                for lab in range(old + 1, top + 1):
                    x = bhead[lab]
                    while x >= 0:
                        nx = bnext[x]
                        d[x] = big
                        x = nx
                    bhead[lab] = -1
                    bcount[lab] = 0
                top = old - 1
                d[u] = big
            else:
                d[u] = min(best, big)
                if d[u] < big:
                    _insert(u, d[u], bhead, bnext, bprev, bcount)
                    if d[u] > top:
                        top = d[u]
            if work > work_limit:
                work = 0
                _global_relabel(n, r, out_ptr, out_to, flow, in_ptr, in_arc, arc_from, d, queue)
                top = _rebuild_buckets(n, d, bhead, bnext, bprev, bcount)
    _global_relabel(n, r, out_ptr, out_to, flow, in_ptr, in_arc, arc_from, d, queue)
    pit = np.empty(n, dtype=np.bool_)
    for i in range(n):
        pit[i] = d[i] >= big
    return pit, pushes


@dataclass
class PitResult:
    """An ultimate pit: blocks in it (n,), its value (in the integer units solved), counts."""

    in_pit: np.ndarray
    value: int
    blocks: int
    pushes: int


def _check_values(value: np.ndarray) -> np.ndarray:
    v = np.asarray(value)
    if v.ndim != 1:
        raise ScenarioError("pit values", "need one value per block (flat, C order)")
    if not np.issubdtype(v.dtype, np.integer):
        if not np.all(np.isfinite(v)):
            raise ScenarioError("pit values", "must be finite")
        v = np.rint(v)
    if np.abs(v.astype(float)).sum() > 9.0e18:
        raise ScenarioError("pit values", "total |value| exceeds 9e18 integer units: choose a coarser value_scale")
    return v.astype(np.int64)


def _solve(v: np.ndarray, ptr: np.ndarray, to: np.ndarray) -> tuple[np.ndarray, int]:
    n = v.shape[0]
    arc_from = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    in_arc = np.argsort(to, kind="stable").astype(np.int64)
    in_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(to, minlength=n), out=in_ptr[1:])
    return _max_closure(v, ptr, to, in_ptr, in_arc, arc_from)


def ultimate_pit(value: np.ndarray, ptr: np.ndarray, to: np.ndarray, smallest: bool = False) -> PitResult:
    """The maximum closure of integer block values (n,) under the CSR precedences (:func:`precedences`);
    float values are rounded to integers first (scale them to the unit that should be exact).

    Blocks of zero value make the optimal pit non-unique; by default the largest optimal pit is returned (all
    blocks that cannot reach t). ``smallest=True`` returns the smallest one, by solving for v (n + 1) - 1 (each
    block costs one unit less than a whole unit of value, so among optimal pits the one with fewest blocks wins);
    it refuses when that product could overflow 64 bits."""
    v = _check_values(value)
    if ptr.shape != (v.size + 1,):
        raise ScenarioError("pit precedences", f"ptr must have n + 1 = {v.size + 1} entries")
    solve_v = v
    if smallest:
        if (np.abs(v.astype(float)).sum() + 1) * (v.size + 1) > 9.0e18:
            raise ScenarioError("pit smallest", "values too large to break ties exactly in 64 bits")
        solve_v = v * (v.size + 1) - 1
    pit, pushes = _solve(solve_v, np.ascontiguousarray(ptr, dtype=np.int64),
                         np.ascontiguousarray(to, dtype=np.int64))
    if pit.any():  # a closure, by construction; checked, as a solver's answer should be
        src = np.repeat(np.arange(v.size), np.diff(ptr))
        if np.any(pit[src] & ~pit[to]):
            raise RuntimeError("pit solver returned a set that breaks a precedence (a bug)")
    return PitResult(pit, int(v[pit].sum()), int(pit.sum()), int(pushes))


@dataclass
class NestedPits:
    """Nested pits: ``shell`` (n,) the index of the smallest price factor whose pit holds each block (-1:
    none), the price factors (k,) ascending, and each pit's value at its own factor and block count."""

    factors: np.ndarray
    shell: np.ndarray
    values: np.ndarray
    blocks: np.ndarray

    def pit(self, i: int) -> np.ndarray:
        """Blocks (n,) in the pit of factor ``factors[i]``."""
        return (self.shell >= 0) & (self.shell <= i)

    def shell_for(self, factor: np.ndarray) -> np.ndarray:
        """Index of the largest factor <= each given factor (the shell a sample mines; -1 below the first)."""
        return np.searchsorted(self.factors, np.asarray(factor, dtype=float), side="right") - 1


def required_by(seed: np.ndarray, ptr: np.ndarray, to: np.ndarray) -> np.ndarray:
    """Blocks (n,) that are ``seed`` blocks or required, directly or through others, by one: the upward cones of
    the seeds, found breadth-first over the precedences (one frontier per step, whole-array operations)."""
    out = np.asarray(seed, dtype=bool).copy()
    frontier = np.flatnonzero(out)
    counts = np.diff(ptr)
    while frontier.size:
        c = counts[frontier]
        starts = np.repeat(ptr[frontier] - np.cumsum(c) + c, c)
        targets = to[starts + np.arange(c.sum())]
        targets = np.unique(targets[~out[targets]])
        out[targets] = True
        frontier = targets
    return out


def _closure_within(v: np.ndarray, ptr: np.ndarray, to: np.ndarray, src: np.ndarray, free: np.ndarray
                    ) -> np.ndarray:
    """The largest maximum closure of the blocks ``free`` (n,) alone, arcs leaving them dropped: with ``free``
    the blocks of a closed set U outside a closed set L inside it, L plus this set is the largest optimal pit
    between them."""
    idx = np.flatnonzero(free)
    keep = free[src] & free[to]
    local = np.full(free.size, -1, dtype=np.int64)
    local[idx] = np.arange(idx.size)
    s_loc, t_loc = local[src[keep]], local[to[keep]]
    p_loc = np.zeros(idx.size + 1, dtype=np.int64)
    np.cumsum(np.bincount(s_loc, minlength=idx.size), out=p_loc[1:])
    res = ultimate_pit(v[idx], p_loc, t_loc)
    out = np.zeros(free.size, dtype=bool)
    out[idx[res.in_pit]] = True
    return out


def nested_pits(block_values: Callable[[float], np.ndarray], ptr: np.ndarray, to: np.ndarray,
                factors: np.ndarray) -> NestedPits:
    """Pits at each price factor λ of ``block_values(λ)`` (integer values (n,), non-decreasing in λ, e.g.
    :meth:`scandia.resource.mine.BlockEconomics.values`), the largest optimal pit of each.

    Solved by bisection over the factors (Gallo, Grigoriadis & Tarjan, SIAM J. Comput. 18 (1989) 30, section 4;
    Hochbaum 2001): the largest factor's pit first, on the blocks that are of non-negative value or required by
    one (no other block is in an optimal pit: it and what needs it could be dropped at a gain), then the middle
    factor of each bracket of solved factors λ_lo < λ < λ_hi on the blocks of pit(λ_hi) outside pit(λ_lo) only,
    pit(λ_lo) taken as mined. By nesting, pit(λ) lies between the two, so each solve is exact and each block
    is solved about log2(k) times instead of once per factor."""
    f = np.sort(np.asarray(factors, dtype=float))
    if f.size < 1 or f.size > 1000 or np.any(~np.isfinite(f)) or np.any(f <= 0):
        raise ScenarioError("pit.price_factors", "needs 1 to 1000 factors > 0")
    n = ptr.size - 1
    src = np.repeat(np.arange(n), np.diff(ptr))
    def values_at(i: int) -> np.ndarray:  # recomputed when needed: k arrays of n values need not be kept
        v = _check_values(block_values(float(f[i])))
        if v.shape != (n,):
            raise ScenarioError("pit values", f"block_values must return {n} values")
        return v

    top = f.size - 1
    v_top = values_at(top)
    pits = {top: _closure_within(v_top, ptr, to, src, required_by(v_top >= 0, ptr, to))}
    brackets = [(-1, top)]
    while brackets:
        lo, hi = brackets.pop()
        if hi - lo < 2:
            continue
        mid = (lo + hi) // 2
        v = values_at(mid)
        if np.any(v > values_at(hi)) or (lo >= 0 and np.any(v < values_at(lo))):
            raise ScenarioError("pit values", "block values must not decrease with the price factor")
        below = pits[lo] if lo >= 0 else np.zeros(n, dtype=bool)
        free = pits[hi] & ~below
        pits[mid] = below | (_closure_within(v, ptr, to, src, free) if free.any() else free)
        brackets += [(lo, mid), (mid, hi)]
    shell = np.full(n, -1, dtype=np.int64)
    values = np.zeros(f.size, dtype=np.int64)
    blocks = np.zeros(f.size, dtype=np.int64)
    for i in range(top, -1, -1):
        shell[pits[i]] = i
        values[i] = int(values_at(i)[pits[i]].sum())
        blocks[i] = int(pits[i].sum())
    return NestedPits(f, shell, values, blocks)
