//! The built-in language packs (`packs/<code>.toml`): each language's block list, allow list and
//! the common words that identify a message's language. Compiled in, parsed once per process.

use std::sync::OnceLock;

use crate::policy::LanguagePackDocument;

/// The built-in language packs, by ISO 639-1 code, in the order their language ids are given.
pub const BUILTIN_LANGUAGE_PACKS: &[(&str, &str)] = &[
    ("en", include_str!("../../packs/en.toml")),
    ("es", include_str!("../../packs/es.toml")),
    ("pt", include_str!("../../packs/pt.toml")),
    ("de", include_str!("../../packs/de.toml")),
    ("fr", include_str!("../../packs/fr.toml")),
];

/// The parsed built-in packs, or the first error (naming the pack) if one does not parse.
pub(super) fn builtin_packs() -> Result<&'static [LanguagePackDocument], String> {
    static PACKS: OnceLock<Result<Vec<LanguagePackDocument>, String>> = OnceLock::new();
    PACKS
        .get_or_init(|| {
            BUILTIN_LANGUAGE_PACKS
                .iter()
                .map(|(code, text)| {
                    let pack: LanguagePackDocument = toml::from_str(text).map_err(|error| {
                        format!(
                            "built-in language pack \"{code}\": {}",
                            error.to_string().trim_end()
                        )
                    })?;
                    if pack.language.code != *code {
                        return Err(format!(
                            "built-in language pack \"{code}\": language.code is \"{}\"",
                            pack.language.code
                        ));
                    }
                    Ok(pack)
                })
                .collect()
        })
        .as_deref()
        .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_pack_parses_and_names_its_own_language() {
        let packs = builtin_packs().expect("built-in packs parse");
        let codes: Vec<&str> = packs.iter().map(|p| p.language.code.as_str()).collect();
        assert_eq!(codes, ["en", "es", "pt", "de", "fr"]);
        for pack in packs {
            assert!(
                !pack.terms.is_empty(),
                "pack {} has no terms",
                pack.language.code
            );
            assert!(
                !pack.language.hints.is_empty(),
                "pack {} has no hints",
                pack.language.code
            );
        }
    }
}
