//! Pareto fronts: the points no other point beats on every objective.

/// Indices (ascending) of the non-dominated rows of `values`, every
/// objective minimized. Row `a` dominates row `b` when it is no worse on
/// every objective and strictly better on at least one; equal rows do not
/// dominate each other, so duplicates on the front are all kept. Rows with a
/// NaN are never on the front. O(n log n) for two objectives, O(n * front)
/// otherwise.
pub fn front(values: &[Vec<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len())
        .filter(|&i| values[i].iter().all(|v| !v.is_nan()))
        .collect();
    // Lexicographic order: no row can be dominated by a row after it.
    order.sort_by(|&a, &b| {
        values[a]
            .iter()
            .zip(&values[b])
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut kept: Vec<usize> = Vec::new();
    for &i in &order {
        if !kept.iter().any(|&j| dominates(&values[j], &values[i])) {
            kept.push(i);
        }
    }
    kept.sort_unstable();
    kept
}

/// Whether `a` dominates `b` (all objectives minimized).
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(values: &[Vec<f64>]) -> Vec<usize> {
        (0..values.len())
            .filter(|&i| values[i].iter().all(|v| !v.is_nan()))
            .filter(|&i| {
                !(0..values.len()).any(|j| {
                    values[j].iter().all(|v| !v.is_nan()) && dominates(&values[j], &values[i])
                })
            })
            .collect()
    }

    #[test]
    fn small_example() {
        let v = vec![
            vec![1.0, 5.0],
            vec![2.0, 2.0],
            vec![3.0, 3.0],
            vec![5.0, 1.0],
            vec![2.0, 2.0],
            vec![f64::NAN, 0.0],
        ];
        assert_eq!(front(&v), vec![0, 1, 3, 4]);
    }

    proptest! {
        /// The front equals the brute-force definition, for 1 to 3 objectives
        /// with many ties (small integer values).
        #[test]
        fn equals_brute_force(
            dims in 1usize..=3,
            raw in proptest::collection::vec(proptest::collection::vec(0u8..6, 3), 0..60),
        ) {
            let v: Vec<Vec<f64>> = raw.iter().map(|r| r[..dims].iter().map(|&x| f64::from(x)).collect()).collect();
            prop_assert_eq!(front(&v), brute(&v));
        }
    }
}
