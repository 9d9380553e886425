//! Unit tests of the `.npy` reader and writer.
use super::*;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ort")
        .join(name)
}

fn message(e: SimError) -> String {
    match e {
        SimError::Input(e) => {
            format!("{} [{}] {}", e, e.code, e.help.clone().unwrap_or_default())
        }
        other => other.to_string(),
    }
}

fn samples() -> Vec<NpyArray> {
    vec![
        NpyArray::new(vec![2, 3], NpyData::I8(vec![-128, -1, 0, 1, 2, 127])).unwrap(),
        NpyArray::new(vec![4], NpyData::U8(vec![0, 1, 128, 255])).unwrap(),
        NpyArray::new(vec![3, 1], NpyData::I16(vec![i16::MIN, 0, i16::MAX])).unwrap(),
        NpyArray::new(vec![1, 2], NpyData::I32(vec![i32::MIN, i32::MAX])).unwrap(),
        NpyArray::new(vec![3], NpyData::I64(vec![i64::MIN, -5, i64::MAX])).unwrap(),
        NpyArray::new(
            vec![2, 2],
            NpyData::F32(vec![0.5, -0.0, f32::INFINITY, 1.0e-40]),
        )
        .unwrap(),
        NpyArray::new(vec![], NpyData::I32(vec![42])).unwrap(),
        NpyArray::new(vec![0, 3], NpyData::F32(vec![])).unwrap(),
        NpyArray::new(vec![1, 3], NpyData::F64(vec![0.1, -1e300, f64::INFINITY])).unwrap(),
    ]
}

#[test]
fn every_dtype_round_trips_through_bytes_and_files() {
    let dir = std::env::temp_dir().join(format!("systolic-npy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, a) in samples().into_iter().enumerate() {
        let bytes = a.to_bytes();
        let header_end = bytes.len() - a.data.to_le_bytes().len();
        assert_eq!(header_end % ALIGN, 0, "data starts 64-byte aligned");
        assert_eq!(parse(&bytes, "mem").unwrap(), a);
        let path = dir.join(format!("a{i}.npy"));
        write(&path, &a).unwrap();
        assert_eq!(read(&path).unwrap(), a);
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn large_headers_switch_to_version_2() {
    let shape = vec![1; 25_000];
    let a = NpyArray::new(shape, NpyData::I8(vec![5])).unwrap();
    let bytes = a.to_bytes();
    assert_eq!(bytes[6], 2);
    assert_eq!(parse(&bytes, "mem").unwrap(), a);
}

#[test]
fn reads_files_written_by_numpy() {
    let m = read_i64_matrix(&fixture("npy_i8.npy")).unwrap();
    assert_eq!((m.rows, m.cols), (3, 4));
    assert_eq!(m.data, (-6..6).collect::<Vec<i64>>());
    let u = read(&fixture("npy_u8.npy")).unwrap();
    assert_eq!(u.shape, vec![5]);
    assert_eq!(u.data, NpyData::U8(vec![0, 1, 127, 128, 255]));
    let m = read_i64_matrix(&fixture("npy_i16.npy")).unwrap();
    assert_eq!(m.data, vec![-32768, -1, 0, 1, 2, 32767]);
    let m = read_i64_matrix(&fixture("npy_i32.npy")).unwrap();
    assert_eq!((m.rows, m.cols), (2, 2));
    assert_eq!(
        m.data,
        vec![i64::from(i32::MIN), 7, i64::from(i32::MAX), -7]
    );
    let v = read(&fixture("npy_i64.npy")).unwrap().to_i64_vec().unwrap();
    assert_eq!(v, vec![i64::MIN, -1, 0, 1 << 40, i64::MAX]);
    let f = read_f32_matrix(&fixture("npy_f32.npy")).unwrap();
    assert_eq!((f.rows, f.cols), (2, 3));
    let want = [0.5, -1.25, 3.0e-8, f32::INFINITY, -0.0, 1.0e30];
    assert!(f
        .data
        .iter()
        .zip(want)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    let v2 = std::fs::read(fixture("npy_v2_i32.npy")).unwrap();
    assert_eq!(v2[6], 2, "fixture is format version 2.0");
    let m = read_i64_matrix(&fixture("npy_v2_i32.npy")).unwrap();
    assert_eq!((m.rows, m.cols, m.data), (2, 3, (0..6).collect()));
}

#[test]
fn our_bytes_equal_numpys_bytes() {
    let ours = read(&fixture("npy_i8.npy")).unwrap().to_bytes();
    assert_eq!(ours, std::fs::read(fixture("npy_i8.npy")).unwrap());
}

fn with_header(dict: &str, body: &[u8]) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&[1, 0]);
    b.extend_from_slice(&(dict.len() as u16 + 1).to_le_bytes());
    b.extend_from_slice(dict.as_bytes());
    b.push(b'\n');
    b.extend_from_slice(body);
    b
}

#[test]
fn malformed_files_are_rejected_with_clear_messages() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"PK\x03\x04 zip".to_vec(), "not a NumPy .npy file"),
        (Vec::new(), "not a NumPy .npy file"),
        (
            {
                let mut b = MAGIC.to_vec();
                b.extend_from_slice(&[9, 0, 0, 0]);
                b
            },
            "unsupported .npy format version 9.0",
        ),
        (
            with_header(
                "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }",
                &[0; 8],
            ),
            "unsupported dtype `<c16`",
        ),
        (
            with_header(
                "{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }",
                &[0; 4],
            ),
            "unsupported dtype `>i4`",
        ),
        (
            with_header(
                "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 2), }",
                &[0; 16],
            ),
            "Fortran (column-major) order",
        ),
        (
            with_header(
                "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }",
                &[0; 20],
            ),
            "shape (2, 3) of `<i4` needs 24 data bytes but the file holds 20",
        ),
        (
            with_header(
                "{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }",
                &[0; 4],
            ),
            "needs 2 data bytes but the file holds 4",
        ),
        (
            with_header("{'descr': '<i4', 'shape': (1,), }", &[0; 4]),
            "missing key 'fortran_order'",
        ),
        (
            with_header(
                "{'descr': '<i4', 'fortran_order': False, 'shape': (x,), }",
                &[0; 4],
            ),
            "expected a dimension",
        ),
        (
            {
                let mut b = with_header(
                    "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }",
                    &[],
                );
                b.truncate(30);
                b
            },
            "header says it is",
        ),
    ];
    for (bytes, want) in cases {
        let got = message(parse(&bytes, "bad.npy").unwrap_err());
        assert!(got.starts_with("bad.npy"), "{got}");
        assert!(got.contains(want), "`{got}` should contain `{want}`");
    }
}

#[test]
fn matrix_helpers_check_shape_and_dtype() {
    let a = NpyArray::new(vec![3], NpyData::I32(vec![1, 2, 3])).unwrap();
    let e = message(a.to_i64_matrix().unwrap_err());
    assert!(
        e.contains("expected a 2-D array (rows, cols), found shape (3,)"),
        "{e}"
    );
    let f = NpyArray::new(vec![1, 1], NpyData::F32(vec![1.0])).unwrap();
    let e = message(f.to_i64_matrix().unwrap_err());
    assert!(
        e.contains("expected integer data") && e.contains("`<f4`"),
        "{e}"
    );
    // float64 reads as float32 (rounded to nearest, as astype(np.float32));
    // as integers it is refused with advice that names float, not float32.
    let d = NpyArray::new(vec![1, 2], NpyData::F64(vec![0.1, 3.0])).unwrap();
    assert_eq!(d.to_f32_matrix().unwrap().data, vec![0.1f32, 3.0]);
    let e = d.to_i64_matrix().unwrap_err();
    let SimError::Input(i) = &e else {
        panic!("{e}")
    };
    assert!(i.message.contains("`<f8`"), "{}", i.message);
    assert!(
        i.help.as_deref().unwrap().contains("--quantize")
            && !i.help.as_deref().unwrap().contains("<i4"),
        "{:?}",
        i.help
    );
    let i = NpyArray::new(vec![1, 1], NpyData::I64(vec![1])).unwrap();
    let e = message(i.to_f32_matrix().unwrap_err());
    assert!(e.contains("expected float32 data, found `<i8`"), "{e}");
    let s = NpyArray::new(vec![1, 2], NpyData::I16(vec![-3, 4])).unwrap();
    assert_eq!(s.to_f32_matrix().unwrap().data, vec![-3.0, 4.0]);
    let e = message(NpyArray::new(vec![2, 2], NpyData::I8(vec![1])).unwrap_err());
    assert!(
        e.contains("shape (2, 2) needs 4 elements but 1 were given"),
        "{e}"
    );
    let e = message(read_i64_matrix(&fixture("npy_u8.npy")).unwrap_err());
    assert!(
        e.contains("npy_u8.npy") && e.contains("found shape (5,)"),
        "{e}"
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let e = read(Path::new("/nonexistent/x.npy")).unwrap_err();
    assert!(matches!(e, SimError::Io { .. }));
}
