// (family file: ops are added here)
export {};
