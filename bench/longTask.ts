// What the editor bench counts as a long task of the server's protocol thread: one longer
// than this, with a hover's own work after it, takes that hover past its goal (5 ms). Its own
// module: the probe runs inside the server and the report in the bench, and neither loads
// the other.
export const LONG_TASK_MS = 3;
