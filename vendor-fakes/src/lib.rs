//! Local fakes of the vendor APIs the gateway's definitions call (`vendors/*.toml`), each
//! accepting only the vendor's documented authentication and serving the request shape of every
//! tool with realistic sample answers and pages. Tests start one per test on 127.0.0.1:0 and
//! point the gateway at it with `outbound_origin_overrides` (each of
//! [`FakeVendor::real_origins`] → [`FakeVendor::origin`]), so definitions keep their real hosts.
//! The credentials each fake accepts are its `pub const`s (see README.md).

pub mod atera;
pub mod autotask;
pub mod auvik;
mod common;
pub mod connectwise_automate;
mod connectwise_conditions;
pub mod connectwise_psa;
mod connectwise_writes;
pub mod datto_rmm;
pub mod halopsa;
pub mod hudu;
pub mod huntress;
pub mod itglue;
pub mod knowbe4;
pub mod microsoft365;
mod microsoft365_data;
pub mod ninjaone;
pub mod paging;
pub mod sentinelone;
mod strict;
pub mod syncro;

pub use common::{error, json, FailureMode, FakeVendor, Options, Recorded, Req};
