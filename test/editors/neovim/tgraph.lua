-- tgraph in Neovim's built-in LSP client (Neovim 0.7 or later); `tgraph` must be on PATH.
vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, { pattern = '*.tgraph', command = 'setfiletype tgraph' })
local tgraph_client
vim.api.nvim_create_autocmd('FileType', {
  pattern = 'tgraph',
  callback = function(args)
    local config = { name = 'tgraph', cmd = { 'tgraph', 'lsp', '--stdio' }, root_dir = vim.fn.getcwd() }
    if vim.lsp.start then -- Neovim 0.8+: starts the server once and attaches every buffer to it
      vim.lsp.start(config)
      return
    end
    if not tgraph_client or vim.lsp.client_is_stopped(tgraph_client) then
      tgraph_client = vim.lsp.start_client(config)
    end
    vim.lsp.buf_attach_client(args.buf, tgraph_client)
  end,
})
