//! Public false-positive suite: ordinary text that naive filters block. Each message must be
//! allowed unchanged with no term rule firing. Uses the built-in default policy.

use std::collections::BTreeMap;

use ivschat_moderation::{Decision, MessageContext, PolicySet, RuleKind, Verdict};

fn decide(policy: &PolicySet, content: &str) -> Decision {
    let attributes = BTreeMap::new();
    policy
        .profile_for_room("room-without-profile")
        .decide(&MessageContext {
            content,
            user_id: "viewer-1",
            sender_attributes: &attributes,
        })
}

/// (what it guards against, message)
const ALLOWED: &[(&str, &str)] = &[
    ("single letters across a contraction", "don't i think so"),
    ("two ordinary words", "push it to the limit"),
    ("place names with sex", "Sussex and Essex"),
    ("collapse on both sides", "shiitake mushrooms"),
    ("double letters", "assess the class"),
    ("scunthorpe", "Scunthorpe United"),
    ("cock inside a word", "a cocktail please"),
    ("ass inside a word", "assassin creed"),
    ("ass inside a word", "class glass grass bass pass"),
    ("rapist inside a word", "my therapist said"),
    ("anal inside a word", "data analysis and analytics"),
    ("dick inside a name", "Charles Dickens"),
    ("shit inside a name", "Matsushita Electric"),
    ("cock inside a name", "Herbie Hancock"),
    ("cum inside a word", "cumulative total"),
    ("numbers with separators", "142,460"),
    ("price", "only $5"),
    ("game slang with digits", "1v1 me"),
    ("model number", "Porsche 911"),
    ("id with digits", "order x7F4Gq2 shipped"),
    ("country names", "Niger and Nigeria"),
    ("name with a blocked word", "Dick Van Dyke"),
    ("word containing a slur as suffix", "he sniggered"),
    ("country with a slur prefix", "Pakistan"),
    ("doubled letter the term lacks", "gaff"),
    ("short letter runs", "I am a U S citizen"),
    ("greetings", "Hello everyone!!! gg wp"),
    ("kill in games", "I will kill this boss"),
    (
        "common words",
        "assume passion embarrass cassette bassist cockpit peacock shuttlecock",
    ),
    (
        "common words",
        "canal titan title cumin document circumstance raccoon grape drape",
    ),
    (
        "common words",
        "therapeutic skyscraper Dickinson Mississippi bitcoin spicy",
    ),
    (
        "russian",
        "Привет, как у тебя дела? Это очень хорошая книга.",
    ),
    (
        "russian with lookalike-only words",
        "Он сказал: как хорошо, сосед.",
    ),
    ("greek", "Καλημέρα σας, τι κάνετε σήμερα;"),
    ("french", "Ça va très bien, merci à vous."),
    ("vietnamese", "Tôi yêu tiếng Việt lắm."),
    ("abbreviations", "p.s. see you at 7:30, e.g. tomorrow"),
    ("arsenal", "Arsenal won"),
    ("common short words are never joined", "everything go ok?"),
    (
        "joined pieces must spell the whole term",
        "it is hit or miss",
    ),
    ("joining only for high severity", "an Al Pacino film"),
    (
        "longer pieces are not joined",
        "my wet back hurts, a China man",
    ),
    ("mentions", "@sam @bob thanks"),
    (
        "words next to listed phrases",
        "homo sapiens on Lesbos, Van Dyke's white power cable, check the dipstick",
    ),
    ("years and prices", "in 1488 it cost $1488"),
    ("emoji between words", "great🔥stream today 😀😀 gg🎉wp"),
    (
        "names and latin phrases",
        "Moby Dick, graduated magna cum laude",
    ),
    ("french", "je prends une douche puis on joue"),
    (
        "idiom holding a slur as a word",
        "the kitchen is spic and span, spick and span",
    ),
    (
        "ordinals and times",
        "1st and 3rd place at 5pm, 4ever young, 2nd try, 9gag, 4chan",
    ),
    ("stars as emphasis", "that was *so* good, I *love* it"),
    (
        "currency amounts",
        "it costs €5 or ¥500, ¢50 off, § 3 of the rules, jazz",
    ),
];

#[test]
fn allows_ordinary_text_that_contains_blocked_substrings() {
    let policy = PolicySet::builtin().expect("built-in policy compiles");
    let mut failures = Vec::new();
    for &(guard, message) in ALLOWED {
        let decision = decide(&policy, message);
        let term_hits: Vec<String> = decision
            .hits
            .iter()
            .filter(|hit| hit.kind == RuleKind::Term)
            .map(|hit| format!("{} {:?}", hit.rule, &message[hit.span.clone()]))
            .collect();
        if decision.verdict != Verdict::Allow || !term_hits.is_empty() {
            failures.push(format!(
                "{guard}: {message:?} → {:?} {term_hits:?}",
                decision.verdict
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
