-- The Neovim end-to-end run of tests/nvim.rs, in a headless Neovim 0.11:
--   nvim --headless --clean -l tests/nvim/e2e.lua CONFIG DEMO RESULT
-- CONFIG is the README's snippet, DEMO a copy of examples/demo, RESULT the
-- JSON file written at the end (what was seen at each step; `failed` names
-- the step that did not happen). The Rust test judges the result.
local config, demo, result_path = arg[1], arg[2], arg[3]
local result = {}

local function finish(code)
  local f = assert(io.open(result_path, "w"))
  f:write(vim.json.encode(result))
  f:close()
  os.exit(code)
end

local function expect(ok, what)
  if not ok then
    result.failed = what
    finish(1)
  end
end

local function summary(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out, { code = d.code, line = d.lnum + 1, col = d.col + 1 })
  end
  table.sort(out, function(a, b)
    if a.line ~= b.line then
      return a.line < b.line
    end
    if a.col ~= b.col then
      return a.col < b.col
    end
    return a.code < b.code
  end)
  return out
end

local function has(buf, code, lnum)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == code and d.lnum == lnum then
      return d
    end
  end
end

vim.cmd("filetype on")
dofile(config)
vim.fn.chdir(demo)

-- 1. Diagnostics on the cart service.
vim.cmd.edit(demo .. "/app/cart_service.py")
local buf = vim.api.nvim_get_current_buf()
expect(vim.wait(60000, function()
  return has(buf, "SL006", 21) ~= nil
end, 50), "diagnostics of app/cart_service.py")
result.diagnostics = summary(buf)
local client = vim.lsp.get_clients({ bufnr = buf, name = "slotlint" })[1]
expect(client ~= nil, "a slotlint client")
local uri = vim.uri_from_bufnr(buf)

-- 2. Hover on the key `f"cart:{user_id}"` (line 22).
local line = vim.api.nvim_buf_get_lines(buf, 21, 22, false)[1]
local at = line:find('f"cart:', 1, true) + 2
local hover = client:request_sync("textDocument/hover", {
  textDocument = { uri = uri },
  position = { line = 21, character = at },
}, 20000, buf)
expect(hover and hover.result, "a hover")
result.hover = hover.result.contents.value

-- 3. The preferred quick fix of the SL006 on line 22, applied.
local lsp_diagnostic = has(buf, "SL006", 21).user_data.lsp
local actions = client:request_sync("textDocument/codeAction", {
  textDocument = { uri = uri },
  range = lsp_diagnostic.range,
  context = { diagnostics = { lsp_diagnostic }, only = { "quickfix" } },
}, 20000, buf)
expect(actions and actions.result, "code actions")
local preferred
result.actions = {}
for _, a in ipairs(actions.result) do
  table.insert(result.actions, a.title)
  if a.isPreferred then
    preferred = a
  end
end
expect(preferred ~= nil, "a preferred fix")
result.applied = preferred.title
vim.lsp.util.apply_workspace_edit(preferred.edit, client.offset_encoding)
result.lines_after = vim.api.nvim_buf_get_lines(buf, 21, 24, false)
expect(vim.wait(60000, function()
  return has(buf, "SL006", 21) == nil
end, 50), "the SL006 finding gone after the fix")
result.diagnostics_after = summary(buf)
vim.cmd.write()

-- 4. A `.redis` file: the snippet gives it a filetype, and so a client.
vim.cmd.edit(demo .. "/ops/checkout.redis")
local redis = vim.api.nvim_get_current_buf()
result.redis_filetype = vim.bo[redis].filetype
expect(vim.wait(60000, function()
  return #vim.diagnostic.get(redis) >= 3
end, 50), "diagnostics of ops/checkout.redis")
result.redis = summary(redis)

-- 5. gcc lines in the quickfix list: where a jump lands, with each format
-- and errorformat, on a line with `é` and on one with a tab.
local cols = demo .. "/cols.redis"
local f = assert(io.open(cols, "w"))
f:write('SET "é{}:a" 1\n\tSET "ab{}:c" 1\n')
f:close()
local texts = vim.fn.readfile(cols)
result.jumps = {}
for _, case in ipairs({
  { format = "gcc-bytes", efm = "%f:%l:%c: %t%*[a-z]: %m" },
  { format = "gcc", efm = "%f:%l:%c: %t%*[a-z]: %m" },
  { format = "gcc", efm = "%f:%l:%v: %t%*[a-z]: %m" },
}) do
  local lines = vim.fn.systemlist({ "slotlint", "check", "--format", case.format, "cols.redis" })
  vim.fn.setqflist({}, " ", { lines = lines, efm = case.efm })
  local landed = {}
  for i = 1, #lines do
    vim.cmd("silent cc " .. i)
    local cursor = vim.api.nvim_win_get_cursor(0)
    local want = texts[cursor[1]]:find("{}", 1, true) - 1
    table.insert(landed, { line = cursor[1], col = cursor[2], want = want })
  end
  table.insert(result.jumps, { format = case.format, efm = case.efm, landed = landed })
end

finish(0)
