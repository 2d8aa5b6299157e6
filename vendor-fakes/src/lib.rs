//! Local fakes of the vendor APIs the gateway's definitions call, each accepting only the vendor's
//! documented authentication and serving the request shape of every tool (see README.md).
