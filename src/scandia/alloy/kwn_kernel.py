"""The compiled KWN step loop: one adaptive time integration per scenario, scenarios shared among threads.

The equations are those of :mod:`scandia.alloy.kwn` (classical nucleation after Russell 1980 with the Svoboda
et al. 2004 attachment rate, quasi-stationary growth with the Chen, Jeppsson & Ågren 2008 effective diffusion
distance, the implicit upwind finite-volume step of Myhr & Grong 2000, step-size control on supersaturation and
particle number); this module only runs them per scenario in compiled code instead of in lockstep over numpy
arrays, so each scenario takes its own number of steps (the numpy loop stepped every scenario until the slowest
one finished) and a step costs a few microseconds. Each scenario is integrated exactly as the numpy loop
integrated it, one column at a time; the tridiagonal system is solved by the Thomas algorithm (the M-matrix of
the implicit upwind step needs no pivoting).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.jit import jit, parallel_lock, pjit, prange

__all__ = ["run_kwn"]

K_B = 1.380649e-23  # J/K
R_GAS = 8.314462618  # J/(mol K)


@pjit
def _kwn(x0, temps, seg_end, times_s, edges, rc, dr, vol, counted, m_atoms, consts, d0, q, k0, h, l0a, l0b,
         eps_poly, ys, solute_sites, eff_diff, shell, max_steps,
         out_r, out_n, out_f, out_x, out_y, out_p, psd, status, steps_out):  # pragma: no cover - compiled
    """consts: gamma, a_matrix, a_precip, rtol_supersat, rtol_number, first_step_s, n_floor, omega_max."""
    n, ns = x0.shape
    nb = rc.size
    m = times_s.size
    nseg = seg_end.shape[1]
    nc = ys.size
    gamma, a_m, a_p = consts[0], consts[1], consts[2]
    rtol_s, rtol_n, first_dt, n_floor, omega_max = consts[3], consts[4], consts[5], consts[6], consts[7]
    c_sites = 4.0 / a_m**3
    x_p = a_m**3 / (4.0 * a_p**3)
    omega = a_m**3 / 4.0
    v_atom = a_p**3 / 4.0
    npoly = eps_poly.size
    for j in prange(n):
        num = np.zeros(nb)
        zr = np.zeros(nb)
        srf = np.zeros(nb)  # number x Zr site fraction of the particles' outer layer (interface="layer")
        new_n = np.empty(nb)
        new_z = np.empty(nb)
        new_s = np.empty(nb)
        rhs_n = np.empty(nb)
        rhs_z = np.empty(nb)
        rhs_s = np.empty(nb)
        y_srf = np.empty(nb)
        y_lay = np.empty(nb + 1)  # composition of the layer added at each edge; -1 where no layer is added
        y_root = np.empty(nb + 1)  # the flux-balance layer composition at each edge
        rest = np.zeros(nb + 1)  # where particles are held at rest: the rate [1/s] their outer layer exchanges
        diag = np.empty(nb)
        lower = np.empty(nb)
        upper = np.empty(nb)
        cp = np.empty(nb)
        y_bin = np.empty(nb)
        dydt = np.empty(nb)
        s_edge = np.empty(nb + 1)
        s_zr_edge = np.empty(nb + 1)
        v = np.empty(nb + 1)
        g_edge = np.empty(nb + 1)  # Gibbs-Thomson factor exp(l/r) at the edges, recomputed when T changes
        last_temp = -1.0
        x = np.empty(ns)
        x_new = np.empty(ns)
        p = np.empty(ns)
        dd = np.empty(ns)
        kk = np.empty(ns)
        ww = np.empty(ns)
        t = 0.0
        dt = first_dt
        steps = 0
        nxt_out = 0
        t_end = seg_end[j, nseg - 1]

        # outputs at t = 0 (and every output of a scenario whose schedule is empty: its state never changes)
        while nxt_out < m and times_s[nxt_out] <= 0.0:
            _record(j, nxt_out, num, zr, x0, rc, vol, counted, m_atoms, c_sites, ns, out_r, out_n, out_f, out_x,
                    out_y, out_p, x, p)
            nxt_out += 1
        active = t_end > 0.0
        while active:
            nxt = times_s[nxt_out] if nxt_out < m else np.inf
            seg = 0
            for s in range(nseg):
                if t >= seg_end[j, s] - 1e-9 * max(seg_end[j, s], 1.0):
                    seg += 1
            seg = min(seg, nseg - 1)
            temp = temps[j, seg]
            horizon = min(seg_end[j, seg], nxt)
            dt_try = max(min(dt, max(horizon - t, 0.0)), 1e-12)

            kt = K_B * temp
            for i in range(ns):
                dd[i] = d0[i] * math.exp(-q[i] / (R_GAS * temp))
                kk[i] = k0[i] * math.exp(-h[i] / (R_GAS * temp))
                ww[i] = (l0a[i] + l0b[i] * temp) / (R_GAS * temp)
            if temp != last_temp:
                ell = 2.0 * gamma * a_p**3 / kt
                for e in range(nb + 1):
                    g_edge[e] = math.exp(min(ell / edges[e], 700.0))
                last_temp = temp
            _state(num, zr, x0, j, m_atoms, c_sites, ns, x, p)
            for i in range(ns):
                x[i] = max(x[i], 0.0)
            for b in range(nb):
                y_bin[b] = min(max(zr[b] / max(num[b], 1e-300), 0.0), 1.0) if num[b] > 0 else 0.0
                y_srf[b] = min(max(srf[b] / max(num[b], 1e-300), 0.0), 1.0) if num[b] > 0 else 0.0
            # growth flux factor at the bin edges (upwind composition: the bin below, the first bin at edge 0)
            for e in range(nb + 1):
                g = g_edge[e]
                y = y_bin[0] if e == 0 else y_bin[e - 1]
                rest[e] = 0.0
                if ns == 1:
                    y_lay[e] = -1.0
                    s_tot = dd[0] * (x[0] - kk[0] * g)
                    s_zr = 0.0
                    d_eff = dd[0]
                else:
                    y_lay[e] = -1.0
                    at_surface = False
                    if shell:
                        y_l = _layer_composition(x[0], x[1], dd[0], dd[1], kk[0] * g, kk[1] * g, y)
                        y_root[e] = y_l
                        if dd[0] * (x[0] - (1.0 - y_l) * kk[0] * g) + dd[1] * (x[1] - y_l * kk[1] * g) >= 0.0:
                            y = y_l  # growing: the layer added has the flux composition
                            y_lay[e] = y_l
                        else:  # no layer can grow: the particles (upwind: the bin above) exchange at their surface
                            up = e if e < nb and num[min(e, nb - 1)] > 0 else max(e - 1, 0)
                            y = y_srf[up]
                            at_surface = True
                    y = min(max(y, 0.0), 1.0)
                    s_sc = dd[0] * (x[0] - (1.0 - y) * kk[0] * g)
                    s_zr = dd[1] * (x[1] - y * kk[1] * g)
                    s_tot = s_sc + s_zr
                    if at_surface and s_tot > 0.0:  # its surface would grow but no layer can: at rest
                        # while its outer layer (one lattice parameter) trades solute with the matrix at the
                        # rate its Zr flux renews it, toward the layer the matrix would deposit
                        rest[e] = abs(a_p**3 * s_zr / (omega * edges[e])) / a_p
                        s_sc = 0.0
                        s_zr = 0.0
                        s_tot = 0.0
                    d_eff = (1.0 - y) * dd[0] + y * dd[1]
                if eff_diff:
                    u = math.sqrt(min(max(s_tot / (d_eff * x_p), 0.0), omega_max))
                    eps = eps_poly[0]
                    for c in range(1, npoly):
                        eps = eps * u + eps_poly[c]
                    s_tot = s_tot / eps
                    s_zr = s_zr / eps
                s_edge[e] = s_tot
                s_zr_edge[e] = s_zr
                v[e] = a_p**3 * s_tot / (omega * edges[e])
            v[nb] = min(v[nb], 0.0)  # closed top: nothing leaves the grid upward
            for b in range(nb):
                s_zr_c = 0.5 * (s_zr_edge[b] + s_zr_edge[b + 1])
                s_cen = 0.5 * (s_edge[b] + s_edge[b + 1])
                dydt[b] = 4.0 * np.pi * rc[b] * (s_zr_c - y_bin[b] * s_cen) / (omega * m_atoms[b])

            # nucleation: the candidate Zr fraction of the nucleus with the highest rate
            if solute_sites:
                tot_x0 = 0.0
                for i in range(ns):
                    tot_x0 += x0[j, i]
                tot_num = 0.0
                for b in range(nb):
                    tot_num += num[b]
                sites = max(c_sites * tot_x0 - tot_num, 0.0)
            else:
                sites = c_sites
            t_nuc = max(t + dt_try, 1e-300)
            best_rate = -1.0
            best_r = 0.0
            best_y = 0.0
            for c in range(nc):
                yz = ys[c]
                dg = 0.0
                inv_beta = 0.0
                for i in range(ns):
                    yi = 1.0 - yz if i == 0 else yz
                    if yi > 0:
                        dg += yi * math.log(max(x[i], 1e-300) / (max(yi, 1e-300) * kk[i]))
                    dg += yi * ww[i] * ((1.0 - x[i]) ** 2 - (1.0 - kk[i]) ** 2)
                    dg += 3.0 * yi * ww[i] * (x[i] ** 2 - kk[i] ** 2)
                    inv_beta += yi * yi / max(dd[i] * x[i], 1e-300)
                dgv = dg * kt / a_p**3
                positive = dgv > 0
                dgv_safe = dgv if positive else 1.0
                r_star = 2.0 * gamma / dgv_safe
                rate = 0.0
                if positive:
                    barrier = 16.0 * np.pi * gamma**3 / (3.0 * dgv_safe**2)
                    beta = 4.0 * np.pi * r_star**2 / (a_m**4 * inv_beta)
                    zeld = v_atom / (2.0 * np.pi * r_star**2) * math.sqrt(gamma / kt)
                    tau = 1.0 / (2.0 * beta * zeld**2)
                    rate = sites * zeld * beta * math.exp(-barrier / kt) * math.exp(-tau / t_nuc)
                if rate > best_rate:  # the first of equal maxima, as argmax
                    best_rate = rate
                    best_r = r_star
                    best_y = yz
            jn = best_rate
            r_nuc = best_r + 0.5 * math.sqrt(kt / (np.pi * gamma))
            kn = min(max(np.searchsorted(edges, r_nuc) - 1, 0), nb - 1)

            # implicit upwind step: row k is lower[k-1] N[k-1] + diag[k] N[k] + upper[k] N[k+1]
            for b in range(nb):
                vp_hi = max(v[b + 1], 0.0)
                vm_lo = min(v[b], 0.0)
                diag[b] = 1.0 + dt_try * (vp_hi - vm_lo) / dr[b]
                if b < nb - 1:
                    lower[b] = -dt_try * max(v[b + 1], 0.0) / dr[b]
                    upper[b] = dt_try * min(v[b + 1], 0.0) / dr[b + 1]
                rhs_n[b] = num[b]
                rhs_z[b] = min(max(zr[b] + dt_try * num[b] * dydt[b], 0.0), num[b])
                # outer layer: a growing size class is coated by the layer it adds; one that shrinks exposes
                # what lies beneath, taken as relaxing to its mean as it loses its volume (rate 3|dr/dt|/r)
                ya, yb = y_lay[b], y_lay[b + 1]
                if ya >= 0.0 or yb >= 0.0:
                    y_new = 0.5 * (ya + yb) if ya >= 0.0 and yb >= 0.0 else max(ya, yb)
                elif rest[b] > 0.0 or rest[b + 1] > 0.0:
                    e_r = b if rest[b] >= rest[b + 1] else b + 1
                    y_new = y_srf[b] + min(dt_try * rest[e_r], 1.0) * (y_root[e_r] - y_srf[b])
                else:
                    shrink = min(dt_try * 3.0 * max(-0.5 * (v[b] + v[b + 1]), 0.0) / rc[b], 1.0)
                    y_new = y_srf[b] + shrink * (y_bin[b] - y_srf[b])
                rhs_s[b] = num[b] * min(max(y_new, 0.0), 1.0)
            rhs_n[kn] += dt_try * jn
            rhs_z[kn] += dt_try * jn * best_y
            rhs_s[kn] += dt_try * jn * best_y
            inv = 1.0 / diag[0]
            cp[0] = upper[0] * inv if nb > 1 else 0.0
            new_n[0] = rhs_n[0] * inv
            new_z[0] = rhs_z[0] * inv
            new_s[0] = rhs_s[0] * inv
            for b in range(1, nb):
                li = lower[b - 1]
                inv = 1.0 / (diag[b] - li * cp[b - 1])
                if b < nb - 1:
                    cp[b] = upper[b] * inv
                new_n[b] = (rhs_n[b] - li * new_n[b - 1]) * inv
                new_z[b] = (rhs_z[b] - li * new_z[b - 1]) * inv
                new_s[b] = (rhs_s[b] - li * new_s[b - 1]) * inv
            for b in range(nb - 2, -1, -1):
                new_n[b] -= cp[b] * new_n[b + 1]
                new_z[b] -= cp[b] * new_z[b + 1]
                new_s[b] -= cp[b] * new_s[b + 1]
            finite = True
            for b in range(nb):
                if not np.isfinite(new_n[b]):
                    finite = False
                new_n[b] = max(new_n[b], 0.0)
                new_z[b] = min(max(new_z[b], 0.0), new_n[b])
                new_s[b] = min(max(new_s[b], 0.0), new_n[b])

            # error control
            _state(new_n, new_z, x0, j, m_atoms, c_sites, ns, x_new, p)
            err_x = 0.0
            bad = not finite
            for i in range(ns):
                scale = max(abs(x[i] - kk[i]), 0.02 * x[i])
                err_x = max(err_x, abs(x_new[i] - x[i]) / max(scale, 1e-300))
                if x_new[i] < -1e-9 * max(x0[j, i], 1e-12):
                    bad = True
            n_old = 0.0
            n_new = 0.0
            for b in range(nb):
                n_old += num[b]
                n_new += new_n[b]
            n_ref = max(max(n_old, n_new), n_floor)
            err = max(err_x / rtol_s, abs(n_new - n_old) / n_ref / rtol_n)
            accept = (err <= 1.0 or dt_try <= 1e-9) and not bad
            if accept:
                for b in range(nb):
                    num[b] = new_n[b]
                    zr[b] = new_z[b]
                    srf[b] = new_s[b]
                t = t + dt_try
            steps += 1
            fac = min(max(0.9 / math.sqrt(max(err, 1e-6)), 0.3), 2.0)
            if accept:
                dt = max(dt_try, dt if dt_try >= dt else 0.0) * fac
            else:
                dt = dt_try * min(fac, 0.5)
            dt = max(dt, 1e-9)

            if accept:
                while nxt_out < m and times_s[nxt_out] <= t * (1 + 1e-12):
                    _record(j, nxt_out, num, zr, x0, rc, vol, counted, m_atoms, c_sites, ns, out_r, out_n, out_f,
                            out_x, out_y, out_p, x, p)
                    nxt_out += 1
            if steps >= max_steps:  # out of steps (flagged even when this last step reached the end)
                status[j] = 3  # Status.not_converged
                active = False
            if t >= t_end * (1 - 1e-12):
                active = False
        # outputs after the scenario's end hold its final state
        while nxt_out < m:
            _record(j, nxt_out, num, zr, x0, rc, vol, counted, m_atoms, c_sites, ns, out_r, out_n, out_f, out_x,
                    out_y, out_p, x, p)
            nxt_out += 1
        total = 0.0
        top = 0.0
        for b in range(nb):
            total += num[b]
            psd[j, b] = num[b]
        for b in range(max(nb - 3, 0), nb):
            top += num[b]
        if top > 1e-6 * max(total, 1e-300):
            status[j] = max(status[j], 1)  # Status.clipped
        steps_out[j] = steps


@jit
def _layer_composition(xs, xz, d_sc, d_zr, k_sc, k_zr, fallback):  # pragma: no cover - compiled
    """Zr site fraction y of the layer a particle adds: the one at which the Sc and Zr fluxes stand in the
    layer's own ratio, (1 - y) D_Zr (x_Zr - y K_Zr) = y D_Sc (x_Sc - (1 - y) K_Sc), with K the Gibbs-Thomson
    interface solubilities of the pure compounds (ideal M sublattice). The quadratic has exactly one root in
    [0, 1] (its value is D_Zr x_Zr >= 0 at 0 and -D_Sc x_Sc <= 0 at 1); ``fallback`` (the particle's mean) when
    the matrix holds neither solute. The caller uses it only where that layer lets the particle grow."""
    c0 = d_zr * xz
    c1 = d_zr * (k_zr + xz) + d_sc * (xs - k_sc)
    c2 = d_zr * k_zr - d_sc * k_sc
    if c0 <= 0.0 and d_sc * xs <= 0.0:
        return fallback
    if c0 <= 0.0:
        return 0.0
    if d_sc * xs <= 0.0:
        return 1.0
    disc = max(c1 * c1 - 4.0 * c2 * c0, 0.0)
    q = 0.5 * (c1 + math.copysign(math.sqrt(disc), c1))
    if q == 0.0:
        return fallback
    # the two roots, each free of cancellation; the one in [0, 1] (the nearer to it when rounding put both out)
    y1 = c0 / q
    y2 = q / c2 if c2 != 0.0 else y1
    d1 = max(-y1, y1 - 1.0, 0.0)
    d2 = max(-y2, y2 - 1.0, 0.0)
    y = y1 if d1 <= d2 else y2
    return min(max(y, 0.0), 1.0)


@jit
def _state(num, zr, x0, j, m_atoms, c_sites, ns, x, p):  # pragma: no cover - compiled
    """Matrix mole fractions x (ns,) and precipitate atoms per site p (ns,) of a distribution (num, zr)."""
    p_tot = 0.0
    p_zr = 0.0
    for b in range(num.size):
        p_tot += m_atoms[b] * num[b]
        p_zr += m_atoms[b] * zr[b]
    p_zr = min(p_zr, p_tot)
    for i in range(ns):
        pi = p_tot - p_zr if i == 0 else p_zr
        x[i] = (c_sites * x0[j, i] - pi) / (c_sites - 4.0 * p_tot)
        p[i] = pi / c_sites


@jit
def _record(j, k, num, zr, x0, rc, vol, counted, m_atoms, c_sites, ns, out_r, out_n, out_f, out_x, out_y, out_p,
            x, p):  # pragma: no cover - compiled
    _state(num, zr, x0, j, m_atoms, c_sites, ns, x, p)
    f = 0.0
    ntot = 0.0
    rsum = 0.0
    for b in range(num.size):
        f += vol[b] * num[b]
        nc = num[b] * counted[b]
        ntot += nc
        rsum += rc[b] * nc
    out_f[j, k] = f
    out_n[j, k] = ntot
    out_r[j, k] = (rsum / max(ntot, 1e-300) if ntot > 0 else 0.0) * 1e9
    ptot = 0.0
    for i in range(ns):
        out_x[j, k, i] = x[i]
        out_p[j, k, i] = p[i]
        ptot += p[i]
    out_y[j, k] = (p[ns - 1] / max(ptot, 1e-300) if ptot > 0 else 0.0) if ns > 1 else 0.0


def run_kwn(model, x0: np.ndarray, temps: np.ndarray, seg_end: np.ndarray, times_s: np.ndarray,
            eps_poly: np.ndarray, omega_max: float, n_floor: float, min_radius_m: float) -> dict[str, np.ndarray]:
    """Integrate every scenario of a :class:`~scandia.alloy.kwn.PrecipitationModel` (x0: (n, solutes) total mole
    fractions; temps, seg_end: (n, steps) in K and s; times_s: (m,) output times). Returns the output arrays of
    :class:`~scandia.alloy.kwn.PrecipitationResult` by field name."""
    edges, rc, dr = model.grid()
    vol = 4.0 / 3.0 * np.pi * rc**3
    counted = (rc >= min_radius_m).astype(float)
    m_atoms = vol / model.a_precip_m**3
    sol = model.solutes
    ns = len(sol)
    n = x0.shape[0]
    m = times_s.size
    nb = rc.size
    ys = np.zeros(1) if ns == 1 else np.linspace(0.0, 1.0, 41)
    consts = np.array([model.gamma_j_m2, model.a_matrix_m, model.a_precip_m, model.rtol_supersat, model.rtol_number,
                       model.first_step_s, n_floor, omega_max])
    out = {"mean_radius_nm": np.zeros((n, m)), "number_density_m3": np.zeros((n, m)),
           "volume_fraction": np.zeros((n, m)), "matrix_x": np.zeros((n, m, ns)), "zr_site_frac": np.zeros((n, m)),
           "precipitate_x": np.zeros((n, m, ns)), "psd_m3": np.zeros((n, nb)), "status": np.zeros(n, dtype=np.int8),
           "steps": np.zeros(n, dtype=np.int64)}
    def own(a: object) -> np.ndarray:  # a writable C-contiguous float copy: one compiled signature for every call
        return np.array(a, dtype=float, order="C")

    with parallel_lock():
        _kwn(own(x0), own(temps), own(seg_end), own(times_s), own(edges), own(rc), own(dr), own(vol), own(counted),
             own(m_atoms), consts, own([s.d0_m2_s for s in sol]), own([s.q_j_mol for s in sol]),
             own([s.k0 for s in sol]), own([s.h_j_mol for s in sol]), own([s.l0_a_j_mol for s in sol]),
             own([s.l0_b_j_mol_k for s in sol]), own(eps_poly), ys,
             bool(model.nucleation_sites == "solute"), bool(model.effective_diffusion),
             bool(model.interface == "layer"), int(model.max_steps),
             out["mean_radius_nm"], out["number_density_m3"], out["volume_fraction"], out["matrix_x"],
             out["zr_site_frac"], out["precipitate_x"], out["psd_m3"], out["status"], out["steps"])
    return out
