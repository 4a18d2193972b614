// The environment the language server's process is started with (by the VS Code client and
// the editor benchmark; `tgraph lsp` runs in the process its editor started, which can set
// the same variables). glibc's allocator keeps the memory a thread frees in that thread's
// arena and returns it to the system only from the top of the heap, past a threshold that it
// raises to the largest block freed (up to 32 MB): after a deep model's analysis, tens of MB
// the analysis worker freed stayed in the server's RSS. Two arenas, and fixed mmap and trim
// thresholds (which also stop the raising), give it back.
export const SERVER_ENVIRONMENT: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
