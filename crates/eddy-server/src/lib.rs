//! eddy-server (in progress).
