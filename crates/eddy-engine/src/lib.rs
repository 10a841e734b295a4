//! eddy-engine (in progress).
