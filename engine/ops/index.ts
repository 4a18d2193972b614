// Registers every op family. Adding an op is one entry in one of these files.
import './sources';
import './sampling';
import './creation';
import './internal';
import './elementwise';
import './reduce';
import './shape';
import './indexing';
import './linalg';
import './nn';
import './npy';
import './functions';
import './differentiation';
import './activations';
import './statistics';
import './normalize';
import './mathfunctions';
