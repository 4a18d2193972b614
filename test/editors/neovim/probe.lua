-- Run by test/editors/neovim.test.ts after tgraph.lua has attached the server to the open
-- .tgraph file: asks for what a user sees (the hover window on dz_dx, the code lenses and
-- what the "Explain sum" one answers, the diagnostics) through Neovim's own LSP functions,
-- writes it as JSON to $TGRAPH_PROBE_OUT, and quits.
local out_path = os.getenv('TGRAPH_PROBE_OUT')
local timeout_ms = 30000
local bufnr = vim.api.nvim_get_current_buf()
local report = { filetype = vim.bo[bufnr].filetype }

local function ready_client()
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.initialized then return client end
  end
end

local function line_starting(prefix)
  for index, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if vim.startswith(text, prefix) then return index - 1 end
  end
end

local function floating_window_lines()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= '' then
      return vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
    end
  end
end

local function probe()
  assert(vim.wait(timeout_ms, function() return ready_client() ~= nil end, 20), 'no tgraph client attached')
  local client = ready_client()
  report.client = client.name
  report.commands = (client.server_capabilities.executeCommandProvider or {}).commands

  local line = line_starting('dz_dx =')
  report.hover_line = line
  local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr), position = { line = line, character = 2 } }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, timeout_ms) or {}
  for _, response in pairs(responses) do report.hover = response.result end

  -- What the user sees: K's floating window, its markdown as Neovim renders it.
  vim.api.nvim_win_set_cursor(0, { line + 1, 2 })
  vim.lsp.buf.hover()
  assert(vim.wait(timeout_ms, function() return floating_window_lines() ~= nil end, 20), 'no hover window')
  report.hover_window = floating_window_lines()

  vim.lsp.codelens.refresh()
  assert(vim.wait(timeout_ms, function() return #vim.lsp.codelens.get(bufnr) > 0 end, 20), 'no code lenses')
  report.lenses = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    table.insert(report.lenses, { line = lens.range.start.line, title = lens.command and lens.command.title, command = lens.command and lens.command.command })
  end

  -- The "Explain sum" lens's command, sent as Neovim sends any lens command: its answer is data.
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    if lens.range.start.line == line and lens.command.command == 'tgraph.explainSum' then
      local answer = client.request_sync('workspace/executeCommand', lens.command, timeout_ms, bufnr)
      local explained = answer and answer.result
      if explained then
        local picture = explained.pictures[1]
        report.explain = { text = explained.explanations[1].text, rows = picture.jacobian.rows, cols = picture.jacobian.cols }
      else
        report.explain = { error = answer and answer.err }
      end
    end
  end

  report.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do table.insert(report.diagnostics, { line = d.lnum, message = d.message }) end
end

local ok, err = pcall(probe)
if not ok then report.error = tostring(err) end
local file = assert(io.open(out_path, 'w'))
file:write(vim.fn.json_encode(report))
file:close()
vim.cmd('qa!')
