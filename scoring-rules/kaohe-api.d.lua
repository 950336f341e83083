---@meta kaohe
-- kaohe-api.d.lua — type annotations of the kaohe rule API for the Lua
-- language server (LuaLS / sumneko): what a rule script sees besides the
-- trimmed Lua 5.4 standard library. Definitions only; kaohe never runs this
-- file. The reference is docs/rules.md; a scheme's .luarc.json points here
-- ("workspace.library"), see scoring-rules/default/.luarc.json.

---What score(), missing() and monitor() return. A script must return one.
---It is opaque: scripts cannot make or change one by hand.
---@class kaohe.result

---Everything known about a fact (fact_info()).
---@class kaohe.fact_info
---@field key string the fact key, e.g. "litigation.cases"
---@field value number|string the chosen value (as fact())
---@field unit? string "percent", "cases", "hours", "date" …
---@field qualifier "exact"|"more_than"|"about"|"less_than" 余/多/以上 → more_than, 约 → about, 不足 → less_than
---@field basis "stated"|"implied"|"derived" implied: 均/全部 → 100; derived: computed from stated parts
---@field origin "extracted"|"given"|"override" extracted by a plugin, given as data, or entered by hand
---@field evidence kaohe.evidence where the value was read
---@field plugin? string the plugin that extracted it
---@field confidence integer 0–100
---@field note? string remarks

---@class kaohe.evidence
---@field text? string the original text of the statement
---@field line integer 1-based line in the original file (0 for given facts)
---@field column integer 1-based column in characters

-- ---- constants -------------------------------------------------------------

---The indicator's max points (0 for a monitoring indicator).
---@type number
MAX = 0

---The indicator id, e.g. "FZ-01".
---@type string
ID = ""

---The report's year, or nil when unknown.
---@type integer?
YEAR = nil

---The scheme's total (100 in the default scheme).
---@type number
TOTAL = 0

-- ---- results ----------------------------------------------------------------

---The indicator scored `points`: finite; clamped to 0 .. MAX (not for a
---monitor) and kept to cents, half away from zero. `branch` names the
---formula branch taken (≤ 64 bytes), `explanation` shows the arithmetic
---with the actual numbers (≤ 4096 bytes). `pending`: fact keys (declared for
---the indicator) that could not be judged — a partial score, listed 待核查
---while the status stays scored.
---@param points number
---@param branch? string
---@param explanation? string
---@param pending? string|string[]
---@return kaohe.result
function score(points, branch, explanation, pending) end

---A fact the formula needs is missing: the indicator is `missing` (待核查)
---and the scheme's `missing:` policy decides its points. With no keys, every
---declared fact the script read and found missing is listed.
---@param keys? string|string[] fact keys declared for the indicator
---@param branch? string
---@param explanation? string
---@return kaohe.result
function missing(keys, branch, explanation) end

---For monitoring indicators only (`monitor: true`, `max: 0`): record
---`value` (finite, not clamped, kept to cents) for reviewers; never counted
---in the total. Note the order: explanation before branch.
---@param value number
---@param explanation? string
---@param branch? string
---@return kaohe.result
function monitor(value, explanation, branch) end

-- ---- facts and params ----------------------------------------------------------

---The chosen value of a fact: a number (percentages 0–100), a string for
---text facts (ISO dates "2025-01-08", names), or nil when the report does
---not state it. The key must be listed under the indicator's `facts:` in
---scheme.yaml. A missing fact is not zero: never write `fact(k) or 0`.
---@param key string
---@return number|string|nil
function fact(key) end

---Whether the fact is present (recorded as read, like fact()).
---@param key string
---@return boolean
function has(key) end

---Everything known about the chosen fact, or nil when it is missing.
---@param key string
---@return kaohe.fact_info?
function fact_info(key) end

---A value from `params:` in scheme.yaml. An unknown name is an error.
---@param name string
---@return number|string
function param(name) end

-- ---- helpers (built into kaohe, every scheme) ---------------------------------

---x limited to lo .. hi.
---@param x number
---@param lo number
---@param hi number
---@return number
function clamp(x, lo, hi) end

---y0 at x ≤ x0, y1 at x ≥ x1, a straight line between (x0 > x1 or y0 > y1
---allowed).
---@param x number
---@param x0 number
---@param x1 number
---@param y0 number
---@param y1 number
---@return number
function linear(x, x0, x1, y0, y1) end

---Deduction per × (target − value) / step, 0 when value ≥ target
---(proportional).
---@param value number
---@param target number
---@param step? number default 1
---@param per? number default 1
---@return number
function per_point_below(value, target, step, per) end

---Deduction per × ⌈(target − value) / step⌉, 0 when value ≥ target
---("−2 per started 10 points").
---@param value number
---@param target number
---@param step? number default 1
---@param per? number default 1
---@return number
function per_started_below(value, target, step, per) end

---Points of the band with the highest min ≤ value, else 0.
---@param value number
---@param list {[1]: number, [2]: number}[] {{min, points}, …}
---@return number
function bands(value, list) end

---min(deduction, cap) ("累计不超过").
---@param deduction number
---@param cap number
---@return number
function capped(deduction, cap) end

---part × 100 / whole; nil when either is nil or whole is 0.
---@param part number?
---@param whole number?
---@return number?
function percent(part, whole) end

---x to cents, half away from zero, decimal-aware (13.475 → 13.48).
---@param x number
---@return number
function round2(x) end

---A number as short text: at most 2 decimals, no trailing zeros
---(98.50 → "98.5", 6700 → "6700").
---@param x any
---@return string
function fmt(x) end

---Days from ISO date a to ISO date b (negative if b is earlier).
---@param a string "YYYY-MM-DD"
---@param b string "YYYY-MM-DD"
---@return integer
function days_between(a, b) end

---Year, month and day of an ISO date.
---@param iso string "YYYY-MM-DD"
---@return integer year
---@return integer month
---@return integer day
function date_parts(iso) end
