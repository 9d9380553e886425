//! Models by name or path: the one rule for what `--model` and a sweep
//! spec's `models` may name (above both `workload` and `onnx`).

/// A model named on a command line or in a spec: a path to an ONNX model
/// (`.onnx`) or a SCALE-Sim topology (`.csv`, or any other existing file),
/// relative to `dir`, else a built-in model's name. The one rule every
/// command and the sweep spec use. `onnx` sets how ONNX models are read;
/// what the import noted and its coverage table are returned with it.
pub fn resolve(
    name: &str,
    dir: &std::path::Path,
    onnx: &crate::onnx::import::ImportOptions,
) -> crate::Result<(
    crate::workload::Model,
    Option<crate::onnx::import::ImportReport>,
)> {
    let path = dir.join(name);
    if name.ends_with(".onnx") {
        let i = crate::onnx::load(&path, onnx)?;
        let report = crate::onnx::import::ImportReport {
            coverage: i.coverage,
            notes: i.notes,
        };
        return Ok((i.model, Some(report)));
    }
    if name.ends_with(".csv") || path.is_file() {
        return Ok((crate::workload::topology::load(&path)?, None));
    }
    Ok((
        crate::workload::zoo::find(
            name,
            "or a path to an ONNX model (.onnx) or a SCALE-Sim topology CSV",
        )?,
        None,
    ))
}
