-- FZ-02 行政诉讼败诉率 (max 8).
-- rate ≤ fz02_good_rate → MAX, linear down to 0 at fz02_zero_rate. The rate
-- is litigation.loss_rate when stated, else lost / cases × 100. With only the
-- number of lost cases: MAX − fz02_per_case × lost, floored at 0. No cases in
-- the year (cases stated as 0) → full marks. Nothing known → missing.
local good, zero = param("fz02_good_rate"), param("fz02_zero_rate")
local per_case = param("fz02_per_case")

local function by_rate(rate, how, branch)
  local p = linear(rate, good, zero, MAX, 0)
  local why
  if rate <= good then
    why = string.format("败诉率 %s%%%s ≤ %s%% → 满分 %s", fmt(rate), how, fmt(good), fmt(MAX))
  elseif rate >= zero then
    why = string.format("败诉率 %s%%%s ≥ %s%% → 0", fmt(rate), how, fmt(zero))
  else
    why = string.format("败诉率 %s%%%s → %s × (%s − %s) / (%s − %s) = %s", fmt(rate), how,
      fmt(MAX), fmt(zero), fmt(rate), fmt(zero), fmt(good), fmt(p))
  end
  return score(p, branch, why)
end

local rate = fact("litigation.loss_rate")
if rate ~= nil then
  return by_rate(rate, "", "rate")
end

local cases, lost = fact("litigation.cases"), fact("litigation.lost")
if cases == 0 then
  return score(MAX, "no_cases",
    string.format("全年无行政诉讼案件（案件数 0）→ 满分 %s", fmt(MAX)))
end
if cases ~= nil and lost ~= nil then
  return by_rate(lost * 100 / cases,
    string.format("（败诉 %s / 案件 %s）", fmt(lost), fmt(cases)), "lost_of_cases")
end
if lost ~= nil then
  local p = math.max(0, MAX - per_case * lost)
  return score(p, "lost_only",
    string.format("仅知败诉 %s 件 → %s − %s × %s = %s", fmt(lost), fmt(MAX),
      fmt(per_case), fmt(lost), fmt(p)))
end
return missing()
