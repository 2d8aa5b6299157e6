//! The Demo vendor: in-process sample MSP data (skeleton).

/// Tools the demo vendor implements; `vendors/demo.toml` may only declare these.
pub(super) const TOOLS: &[&str] = &[
    "list_companies",
    "get_company",
    "list_contacts",
    "list_tickets",
    "get_ticket",
    "list_devices",
    "list_alerts",
    "create_ticket",
    "add_ticket_note",
    "acknowledge_alert",
];
