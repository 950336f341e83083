-- lib/fazhi.lua — helpers shared by the default scheme's indicator scripts.
-- Every library runs before each indicator script, in that run's own fresh
-- environment, so these globals are redefined per run and never shared.

-- Points for a rate with a fixed deduction per percentage point below the
-- full rate: MAX − per × (full − rate), floored at 0. Returns the points and
-- the arithmetic as text, e.g. "办复率 98.5% → 10 − 1 × (100 − 98.5) = 8.5".
function rate_points(label, rate, full, per)
  local d = per_point_below(rate, full, 1, per)
  local p = clamp(MAX - d, 0, MAX)
  if d == 0 then
    return p, string.format("%s %s%% ≥ %s%% → 满分 %s", label, fmt(rate), fmt(full), fmt(MAX))
  end
  return p, string.format("%s %s%% → %s − %s × (%s − %s) = %s", label, fmt(rate),
    fmt(MAX), fmt(per), fmt(full), fmt(rate), fmt(p))
end

-- Points that grow linearly from 0 at `floor` to MAX at `full` (both in
-- percent), with the arithmetic as text.
function ramp_points(label, value, floor, full)
  local p = MAX * clamp((value - floor) / (full - floor), 0, 1)
  if value <= floor then
    return p, string.format("%s %s%% ≤ %s%% → 0", label, fmt(value), fmt(floor))
  elseif value >= full then
    return p, string.format("%s %s%% ≥ %s%% → 满分 %s", label, fmt(value), fmt(full), fmt(MAX))
  end
  return p, string.format("%s %s%% → %s × (%s − %s) / %s = %s", label, fmt(value),
    fmt(MAX), fmt(value), fmt(floor), fmt(full - floor), fmt(p))
end
