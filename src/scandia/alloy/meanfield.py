"""Mean-radius precipitation model: the fast path for large batches (design grids, Monte Carlo).

Three state variables per scenario, number density N, mean radius r and matrix composition x (from the solute
balance), after Deschamps & Brechet, Acta Mater. 47 (1999) 293 and Robson, Acta Mater. 52 (2004) 1409:

- nucleation rate J as in the KWN model (:meth:`scandia.alloy.kwn.PrecipitationModel._nucleation`);
- growth: dr/dt = v(r) + J/N (r_nuc - r), v(r) = D (x - K e^{ℓ/r}) a_p³/(Ω r) with the effective-diffusion factor;
- coarsening (Lifshitz-Slyozov-Wagner): dr/dt = (4/27) D K ℓ a_p³/(Ω r²), dN/dt = -3 N/r dr/dt;
- the two regimes blend with f_c = 1 - 1000 (r/r* - 1)², clipped to [0, 1] (Deschamps & Brechet 1999).

Binary Al-Sc only (the first solute of the model); Zr is ignored (use the KWN model for Al₃(Sc,Zr)). Its
results are checked against the KWN model in tests/unit/test_alloy_meanfield.py. Time steps are per scenario and
adaptive (explicit Euler with relative-change control); arrays are (n,), so 1,000 schedules cost little more
than one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .kwn import K_B, PrecipitationModel, PrecipitationResult, Schedule, _eps_effective, _next_dt, _retire

__all__ = ["MeanRadiusModel"]


@dataclass
class MeanRadiusModel:
    """Mean-radius model sharing the KWN model's physical parameters (``kwn``); ``rtol`` bounds each step's
    relative change of N, r and the supersaturation."""

    kwn: PrecipitationModel
    rtol: float = 0.02
    max_steps: int = 200000
    first_step_s: float = 1e-3

    @property
    def solutes(self) -> tuple:
        return self.kwn.solutes[:1]

    def solve(self, x0: np.ndarray, schedule: Schedule, times_s: np.ndarray, progress=None) -> PrecipitationResult:
        """Same contract as :meth:`PrecipitationModel.solve` (binary: only the first solute column is used)."""
        k = replace(self.kwn, solutes=self.kwn.solutes[:1])
        x0 = np.atleast_2d(np.asarray(x0, dtype=float))
        n = max(x0.shape[0], schedule.temp_k.shape[0])
        xs0 = np.broadcast_to(x0[:, 0], (n,)).copy()
        ns_in = x0.shape[1]
        temps, seg_end = schedule.expand(n)
        t_end = seg_end[:, -1]
        times_s = np.asarray(times_s, dtype=float)
        m = times_s.size
        c_sites = 4.0 / k.a_matrix_m**3
        omega = k.a_matrix_m**3 / 4.0
        vol_fu = k.a_precip_m**3
        x_p = k.a_matrix_m**3 / (4.0 * vol_fu)
        sol = k.solutes[0]

        num = np.zeros(n)
        rad = np.zeros(n)
        t = np.zeros(n)
        dt = np.full(n, self.first_step_s)
        steps = np.zeros(n, dtype=np.int64)
        status = np.zeros(n, dtype=np.int8)
        out = {key: np.zeros((n, m)) for key in ("r", "n", "f", "x", "p")}
        next_out = np.zeros(n, dtype=np.int64)

        def matrix_x(num_, rad_, idx=slice(None)):
            p = num_ * 4.0 / 3.0 * np.pi * rad_**3 / vol_fu
            return (c_sites * xs0[idx] - p) / (c_sites - 4.0 * p), p / c_sites

        def record(mask):
            idx = np.nonzero(mask)[0]
            if idx.size == 0:
                return
            kk = next_out[idx]
            x, p = matrix_x(num[idx], rad[idx], idx)
            out["r"][idx, kk] = np.where(num[idx] > 0, rad[idx], 0.0) * 1e9
            out["n"][idx, kk] = num[idx]
            out["f"][idx, kk] = num[idx] * 4.0 / 3.0 * np.pi * rad[idx] ** 3
            out["x"][idx, kk] = x
            out["p"][idx, kk] = p
            next_out[idx] += 1

        def due_records(ok):
            while True:
                due = ok & (next_out < m) & (times_s[np.minimum(next_out, m - 1)] <= t * (1 + 1e-12))
                if not due.any():
                    return
                record(due)

        due_records(np.ones(n, dtype=bool))
        active = t_end > 0
        while active.any():
            nxt = np.where(next_out < m, times_s[np.minimum(next_out, m - 1)], np.inf)
            temp, horizon = Schedule.current(t, temps, seg_end, nxt)
            h = np.where(active, np.maximum(np.minimum(dt, horizon - t), 1e-12), 0.0)

            d = sol.diffusivity(temp)
            kq = sol.solubility(temp)
            ell = 2.0 * k.gamma_j_m2 * vol_fu / (K_B * temp)
            x, _ = matrix_x(num, rad)
            x = np.maximum(x, 1e-300)
            if k.nucleation_sites == "solute":
                sites = np.maximum(c_sites * xs0 - num, 0.0)
            else:
                sites = np.full(n, c_sites)
            jn, r_nuc, _ = k._nucleation(x[None, :], d[None, :], kq[None, :], temp, t + h, sites)
            supersat = np.maximum(x / kq, 1.0 + 1e-12)
            r_star = ell / np.log(supersat)
            r_safe = np.maximum(rad, 1e-12)
            s_grow = d * (x - kq * np.exp(np.minimum(ell / r_safe, 700.0)))
            if k.effective_diffusion:
                s_grow = s_grow / _eps_effective(s_grow / (d * x_p))
            v_grow = vol_fu * s_grow / (omega * r_safe)
            has = num > 0
            drdt_g = np.where(has, v_grow + jn / np.maximum(num, 1e-300) * (r_nuc - rad), 0.0)
            drdt_c = 4.0 / 27.0 * d * kq * ell * vol_fu / (omega * r_safe**2)
            dndt_c = -3.0 * num / r_safe * drdt_c
            fc = np.where(has & (x > kq), np.clip(1.0 - 1000.0 * (rad / r_star - 1.0) ** 2, 0.0, 1.0), 0.0)
            fc = np.where(has & (x <= kq), 1.0, fc)
            drdt = (1.0 - fc) * drdt_g + fc * drdt_c
            dndt = (1.0 - fc) * jn + fc * dndt_c
            new_num = np.maximum(num + h * dndt, 0.0)
            new_rad = np.where(num > 0, rad + h * drdt, r_nuc)
            new_rad = np.where(new_num > 0, np.maximum(new_rad, 1e-11), 0.0)
            x_new, _ = matrix_x(new_num, new_rad)

            scale_x = np.maximum(np.abs(x - kq), 0.02 * x)
            err = np.maximum.reduce([
                np.abs(x_new - x) / scale_x,
                np.abs(new_num - num) / np.maximum(np.maximum(num, new_num), 1e12),
                np.where(num > 0, np.abs(new_rad - rad) / np.maximum(rad, 1e-12), 0.0),
            ]) / self.rtol
            accept = active & ((err <= 1.0) | (h <= 1e-9)) & (x_new >= -1e-12)
            num = np.where(accept, new_num, num)
            rad = np.where(accept, new_rad, rad)
            t = np.where(accept, t + h, t)
            steps += active
            dt = _next_dt(err, accept, dt, h)
            due_records(accept)
            active = _retire(t, t_end, active, steps, self.max_steps, status, progress)
        while (next_out < m).any():
            record(next_out < m)
        pad = np.zeros((n, m, max(ns_in, 1) - 1))
        return PrecipitationResult(
            times_s=times_s, mean_radius_nm=out["r"], number_density_m3=out["n"], volume_fraction=out["f"],
            matrix_x=np.concatenate([out["x"][..., None], pad], axis=2), zr_site_frac=np.zeros((n, m)),
            radius_grid_nm=np.zeros(0), psd_m3=np.zeros((n, 0)), status=status, steps=steps,
            solute_total_x=np.broadcast_to(x0, (n, ns_in)).copy(),
            precipitate_x=np.concatenate([out["p"][..., None], pad], axis=2))
