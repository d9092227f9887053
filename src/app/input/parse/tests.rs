use super::*;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

fn keys(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Event(Event::Key(k)) => match k.code {
                KeyCode::Char(c) if k.modifiers.contains(KeyModifiers::CONTROL) => format!("^{c}"),
                KeyCode::Char(c) if k.modifiers.contains(KeyModifiers::ALT) => format!("M-{c}"),
                KeyCode::Char(c) => c.to_string(),
                other => format!(
                    "<{other:?}{}>",
                    if k.modifiers.is_empty() {
                        String::new()
                    } else {
                        format!(" {:?}", k.modifiers)
                    }
                ),
            },
            Token::Event(e) => format!("<{e:?}>"),
            Token::Answer(a) => format!("[{a:?}]"),
            Token::PasteStart => "<paste>".into(),
        })
        .collect()
}

fn all(bytes: &[u8]) -> String {
    let mut p = Parser::default();
    let mut t = p.feed(bytes);
    t.extend(p.flush());
    keys(&t)
}

#[test]
fn text_control_keys_and_utf8() {
    assert_eq!(all(b"abc"), "abc");
    assert_eq!(all("héllo 日本".as_bytes()), "héllo 日本");
    assert_eq!(all(b"\r\t\x7f\x01\x0c"), "<Enter><Tab><Backspace>^a^l");
    assert_eq!(all(b"A"), "A");
}

#[test]
fn arrows_function_keys_and_modifiers() {
    assert_eq!(all(b"\x1b[A\x1b[B\x1bOC\x1b[D"), "<Up><Down><Right><Left>");
    assert_eq!(all(b"\x1b[1;5C"), "<Right KeyModifiers(CONTROL)>");
    assert_eq!(
        all(b"\x1b[3~\x1b[5~\x1b[6~\x1b[15~"),
        "<Delete><PageUp><PageDown><F(5)>"
    );
    assert_eq!(all(b"\x1b[Z"), "<BackTab KeyModifiers(SHIFT)>");
    assert_eq!(all(b"\x1bOP\x1b[1;2R"), "<F(1)><F(3) KeyModifiers(SHIFT)>");
}

#[test]
fn escape_alone_and_alt_chords() {
    let mut p = Parser::default();
    assert!(p.feed(b"\x1b").is_empty(), "may be the start of a sequence");
    assert!(p.pending());
    assert_eq!(keys(&p.flush()), "<Esc>");
    assert_eq!(all(b"\x1bx"), "M-x");
    assert_eq!(all(b"\x1b\x1b"), "<Esc><Esc>");
}

#[test]
fn terminal_answers_are_never_keys() {
    assert_eq!(all(b"\x1b_Gi=31;OK\x1b\\"), "[Kitty { id: 31, ok: true }]");
    assert_eq!(
        all(b"\x1b_Gi=32;ENOTSUPPORTED:x\x1b\\"),
        "[Kitty { id: 32, ok: false }]"
    );
    assert_eq!(all(b"\x1b[?62;4;22c"), "[DeviceAttributes([62, 4, 22])]");
    assert_eq!(
        all(b"\x1b[6;20;10t\x1b[4;800;1200t"),
        "[CellSize(10, 20)][WindowPixels(1200, 800)]"
    );
    assert_eq!(
        all(b"\x1bP>|kitty(0.35.2)\x1b\\"),
        "[Version(\"kitty(0.35.2)\")]"
    );
    assert_eq!(all(b"\x1b]11;rgb:0000/0000/0000\x07"), "[Other]");
    assert_eq!(all(b"\x1b[0n"), "[Status]");
    assert_eq!(all(b"\x1b[12;40R"), "[Other]");
}

#[test]
fn an_answer_split_over_reads_and_keys_around_it() {
    let mut p = Parser::default();
    let mut t = p.feed(b"a\x1b_Gi=31;");
    assert_eq!(keys(&t), "a");
    t = p.feed(b"OK\x1b");
    assert!(t.is_empty());
    t = p.feed(b"\\bc");
    assert_eq!(keys(&t), "[Kitty { id: 31, ok: true }]bc");
    // A cut-off CSI at the end of the input is Alt+[, then text.
    assert_eq!(all(b"\x1b["), "M-[");
    // An answer that never ends is dropped, not typed.
    let mut p = Parser::default();
    assert!(p.feed(b"\x1bP>|kit").is_empty());
    assert!(p.flush().is_empty());
}

#[test]
fn paste_focus_and_mouse() {
    assert_eq!(
        all(b"\x1b[200~one\r\ntwo\x1b[201~x"),
        "<Paste(\"one\\ntwo\")>x"
    );
    let mut p = Parser::default();
    assert!(p.feed(b"\x1b[200~part").is_empty());
    assert_eq!(keys(&p.feed(b"ial\x1b[201~")), "<Paste(\"partial\")>");
    assert_eq!(all(b"\x1b[I\x1b[O"), "<FocusGained><FocusLost>");
    let t = {
        let mut p = Parser::default();
        p.feed(b"\x1b[<0;10;5M\x1b[<64;1;1M")
    };
    assert!(matches!(
        &t[0],
        Token::Event(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 9,
            row: 4,
            ..
        }))
    ));
    assert!(matches!(
        &t[1],
        Token::Event(Event::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollUp,
            ..
        }))
    ));
}

#[test]
fn garbage_never_stalls_the_parser() {
    let mut p = Parser::default();
    let t = p.feed(&[0xff, 0xfe, b'a', 0x1b, b'[', 0x01, b'A', b'b']);
    let mut all_t = t;
    all_t.extend(p.flush());
    let text = keys(&all_t);
    assert!(text.ends_with('b'), "{text}");
    assert!(!p.pending());
}

#[test]
fn a_huge_paste_arrives_whole_up_to_the_cap_in_any_number_of_reads() {
    let mut p = Parser::default();
    assert!(p.feed(b"\x1b[200~").is_empty());
    let line = "lorem ipsum 猫 dolor\n".repeat(1000);
    let mut got = Vec::new();
    for _ in 0..200 {
        got.extend(p.feed(line.as_bytes()));
    }
    got.extend(p.feed(b"\x1b[20"));
    assert!(got.is_empty());
    got.extend(p.feed(b"1~z"));
    match &got[..] {
        [
            Token::Event(Event::Paste(text)),
            Token::Event(Event::Key(k)),
        ] => {
            assert!(
                text.len() <= MAX_PASTE && text.len() > MAX_PASTE - 100,
                "{}",
                text.len()
            );
            assert!(text.starts_with("lorem ipsum"));
            assert_eq!(k.code, KeyCode::Char('z'));
        }
        other => panic!("{:?}", other.len()),
    }
}

#[test]
fn alt_chords_that_start_strings_never_freeze_input() {
    for intro in [b']', b'P', b'_', b'X', b'^'] {
        let mut p = Parser::default();
        assert!(p.feed(&[0x1b, intro]).is_empty());
        let t = p.flush();
        assert_eq!(t.len(), 1, "{intro}");
        let Token::Event(Event::Key(k)) = &t[0] else {
            panic!("{t:?}")
        };
        assert!(k.modifiers.contains(KeyModifiers::ALT));
        assert_eq!(
            keys(&p.feed(b"cd")),
            "cd",
            "input goes on after Alt+{}",
            intro as char
        );
    }
    // The start of an answer cut off for good is dropped, not typed.
    let mut p = Parser::default();
    assert!(p.feed(b"\x1b_Gi=31;O").is_empty());
    assert!(p.flush().is_empty());
    assert_eq!(keys(&p.feed(b"x")), "x");
    // Alt+] then a letter is the chord and the letter.
    let mut p = Parser::default();
    let mut t = p.feed(b"\x1b]c");
    t.extend(p.flush());
    assert_eq!(keys(&t), "M-]c");
}

#[test]
fn esc_then_a_control_key_is_two_keys() {
    assert_eq!(all(b"\x1b\t"), "<Esc><Tab>");
    assert_eq!(all(b"\x1b\x03"), "<Esc>^c");
}

#[test]
fn a_paste_that_never_ends_ends_after_a_pause() {
    let mut p = Parser::default();
    assert!(p.feed(b"\x1b[200~half a paste").is_empty());
    assert!(p.pending());
    assert_eq!(p.pending_wait(), std::time::Duration::from_secs(2));
    assert_eq!(keys(&p.flush()), "<Paste(\"half a paste\")>");
    assert_eq!(keys(&p.feed(b"k")), "k");
}

#[test]
fn waits_fit_what_is_pending() {
    let mut p = Parser::default();
    p.feed(b"\x1b");
    assert_eq!(p.pending_wait(), std::time::Duration::from_millis(40));
    p.feed(b"[");
    assert_eq!(p.pending_wait(), std::time::Duration::from_millis(300));
}
