//! Unit tests of the Python front-end.

use super::parse;
