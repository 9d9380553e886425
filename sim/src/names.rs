//! The one rule for built-in names (design presets, zoo models, energy
//! tables): a name matches only itself, exactly as listed. A name that
//! matches nothing is refused with the closest listed names as suggestions:
//! those equal to it once case and `-`, `_`, `.` and spaces are ignored, or
//! within a small edit distance of it ([`crate::error::SimError::unknown`]).

/// `name` lower-cased with `-`, `_`, `.` and spaces removed.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The listed names closest to `name`, best first: those equal to it when
/// folded if there are any, else those within an edit distance of about a
/// quarter of the name (at least 1, at most 3) or starting with it, when
/// folded. At most three.
pub fn suggestions<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let want = folded(name);
    let limit = (want.chars().count() / 4).clamp(1, 3);
    let mut close: Vec<(usize, &str)> = known
        .into_iter()
        .filter(|k| *k != name)
        .filter_map(|k| {
            let d = strsim::damerau_levenshtein(&want, &folded(k));
            let prefix = !want.is_empty() && folded(k).starts_with(&want);
            (d <= limit || prefix).then_some((if prefix { d.min(limit) } else { d }, k))
        })
        .collect();
    close.sort_by_key(|(d, _)| *d);
    // A name equal once folded is the one meant: the others are noise.
    if close.first().is_some_and(|(d, _)| *d == 0) {
        close.retain(|(d, _)| *d == 0);
    }
    close
        .into_iter()
        .take(3)
        .map(|(_, k)| k.to_string())
        .collect()
}

/// `; did you mean `a`?` (or `a` or `b`), or nothing.
pub fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean {}?",
            many.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODELS: [&str; 5] = ["resnet18", "resnet50", "mobilenet_v2", "bert-base", "vgg16"];

    #[test]
    fn near_misses_are_suggested_best_first() {
        assert_eq!(suggestions("resnet-50", MODELS), ["resnet50"]);
        assert_eq!(suggestions("ResNet50", MODELS), ["resnet50"]);
        assert_eq!(suggestions("mobilenetv2", MODELS), ["mobilenet_v2"]);
        assert_eq!(suggestions("bert_base", MODELS), ["bert-base"]);
        assert_eq!(suggestions("resnet", MODELS), ["resnet18", "resnet50"]);
        assert_eq!(suggestions("resnet51", MODELS)[0], "resnet50");
        assert!(suggestions("transformer", MODELS).is_empty());
        assert_eq!(
            suggestions("edge_8x8", ["edge-8x8", "edge-16x16-os"]),
            ["edge-8x8"]
        );
    }

    #[test]
    fn the_message_names_the_suggestion() {
        let e = crate::error::SimError::unknown(
            "model",
            "resnet-50",
            &MODELS,
            "or a topology CSV path",
        );
        assert_eq!(
            e.to_string(),
            "unknown model `resnet-50`; did you mean `resnet50`?"
        );
        let e = crate::error::SimError::unknown("model", "xyz", &MODELS, "");
        assert_eq!(e.to_string(), "unknown model `xyz`");
    }
}
