-- FZ-03 行政复议审结率 (max 6).
-- rate = closed / accepted × 100 (received when accepted is not stated);
-- rate ≥ fz03_target → MAX, else MAX − fz03_per_step for every started
-- fz03_step percentage points below the target, floored at 0. No cases
-- (accepted/received stated as 0) → full marks.
local target, step, per = param("fz03_target"), param("fz03_step"), param("fz03_per_step")

local closed = fact("review.closed")
local base, base_name = fact("review.accepted"), "受理"
if base == nil then
  base, base_name = fact("review.received"), "收到"
end
if closed == nil or base == nil then
  return missing()
end
if base == 0 then
  return score(MAX, "no_cases",
    string.format("全年%s行政复议案件 0 件 → 满分 %s", base_name, fmt(MAX)))
end

local r = closed * 100 / base
local how = string.format("审结 %s / %s %s = %s%%", fmt(closed), base_name, fmt(base), fmt(r))
if r >= target then
  return score(MAX, "rate", string.format("%s ≥ %s%% → 满分 %s", how, fmt(target), fmt(MAX)))
end
local d = per_started_below(r, target, step, per)
local p = math.max(0, MAX - d)
return score(p, "rate", string.format("%s → %s − %s × ⌈(%s − %s) / %s⌉ = %s", how, fmt(MAX),
  fmt(per), fmt(target), fmt(r), fmt(step), fmt(p)))
