//! Yosys synthesis and nextpnr place-and-route of generated RTL (being written).
