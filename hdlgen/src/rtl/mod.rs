//! The RTL of a design: one function per module kind, as typed AST modules
//! (the IP layer above turns them into files).

pub mod array;
pub mod cells;
pub mod config;
pub mod ctrl;
pub mod fp;
pub mod ip;
pub mod pe;
pub mod top;
pub mod walk;

pub use config::{Config, SRAM_NAMES};

use crate::ast::Module;

/// Every module of the design's RTL, leaves first; each is instantiated by
/// the next ones, up to the top (no module is left unused).
pub fn modules(cfg: &Config) -> Vec<Module> {
    // The accumulator buffer's read-modify-write (ws, is: row folds; os:
    // the IP's K tiles).
    let mut v = vec![cells::resize(cfg), cells::acc_add(cfg)];
    v.extend([cells::delay(cfg), cells::sram(cfg), cells::buffer(cfg)]);
    if cfg.output_stationary() {
        v.extend([pe::pe_os(cfg), array::array_os(cfg), ctrl::ctrl_os(cfg)]);
    } else {
        v.extend([pe::pe_ws(cfg), array::array_ws(cfg), ctrl::ctrl_ws(cfg)]);
    }
    // The IP wraps the core top: it is the one top module. A sparse design
    // has the core alone (the IP's DMA and tile model are dense; sim's IP
    // timing refuses sparse designs too).
    v.push(top::top(cfg));
    if cfg.sparse.is_none() {
        v.extend([walk::walk(cfg), ip::ip(cfg)]);
    }
    v
}
