//! Tests of `preview`.

use super::*;

fn img(w: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(image::RgbImage::new(w, 4))
}

#[test]
fn lru_stays_bounded_and_decodes_once() {
    let info = GraphicsInfo::default();
    let mut p = Previews::new(Some(Picker::halfblocks()), &info, |_| {});
    for i in 0..(LRU_CAPACITY + 3) {
        let path = PathBuf::from(format!("/x/{i}.png"));
        assert!(p.needs_decode(&path));
        assert!(!p.needs_decode(&path), "pending twice");
        p.on_decoded(path.clone(), Ok(img(4)));
        assert!(!p.needs_decode(&path), "decoded twice");
    }
    assert_eq!(p.decoded_len(), LRU_CAPACITY);
    assert!(
        p.needs_decode(Path::new("/x/0.png")),
        "the oldest was evicted"
    );
}

#[test]
fn failures_are_remembered_and_explained() {
    let mut p = Previews::new(Some(Picker::halfblocks()), &GraphicsInfo::default(), |_| {});
    let path = PathBuf::from("/x/bomb.png");
    assert!(p.needs_decode(&path));
    p.on_decoded(
        path.clone(),
        Err(DecodeError::TooLarge("20000×20000".into())),
    );
    assert!(!p.needs_decode(&path));
    assert!(
        matches!(p.state_for(&path, AREA), PreviewState::Unavailable(m) if m.contains("too large"))
    );
}

const AREA: Size = Size {
    width: 40,
    height: 20,
};

/// Previews speaking kitty, with the worker's answers on `rx`.
fn kitty_previews() -> (Previews, std::sync::mpsc::Receiver<Encoded>) {
    let mut picker = Picker::halfblocks();
    picker.set_protocol_type(ProtocolType::Kitty);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut p = Previews::new(Some(picker), &GraphicsInfo::default(), move |e| {
        let _ = tx.send(e);
    });
    for name in ["/x/a.png", "/x/b.png"] {
        assert!(p.needs_decode(Path::new(name)));
        p.on_decoded(PathBuf::from(name), Ok(img(64)));
    }
    (p, rx)
}

/// Asks for `path`, waits for the worker, and says whether the picture is then ready.
fn show(
    p: &mut Previews,
    rx: &std::sync::mpsc::Receiver<Encoded>,
    path: &Path,
    zoom: Option<ZoomView>,
) -> bool {
    if matches!(p.state_for_view(path, zoom, AREA), PreviewState::Ready(..)) {
        return true;
    }
    if let Ok(done) = rx.recv_timeout(std::time::Duration::from_secs(10)) {
        p.on_encoded(done);
    }
    matches!(p.state_for_view(path, zoom, AREA), PreviewState::Ready(..))
}

#[test]
fn the_same_image_in_the_same_view_keeps_its_protocol() {
    let (mut p, rx) = kitty_previews();
    let a = Path::new("/x/a.png");
    assert!(show(&mut p, &rx, a, None));
    // Frames that show the same image again neither make a new picture (which would
    // send the image again) nor retire the one in the terminal.
    for _ in 0..5 {
        assert!(matches!(p.state_for(a, AREA), PreviewState::Ready(..)));
    }
    assert!(rx.try_recv().is_err(), "encoded once");
    assert!(p.take_stale_kitty().is_empty());
}

#[test]
fn switching_images_retires_the_old_kitty_image_once() {
    let (mut p, rx) = kitty_previews();
    let (a, b) = (Path::new("/x/a.png"), Path::new("/x/b.png"));
    assert!(show(&mut p, &rx, a, None));
    assert!(show(&mut p, &rx, b, None));
    let first = p.take_stale_kitty();
    assert_eq!(first.len(), 1, "a's image is deleted in the terminal");
    let _ = p.state_for(b, AREA);
    assert!(p.take_stale_kitty().is_empty(), "b stays");
    let _ = p.state_for(a, AREA);
    let second = p.take_stale_kitty();
    assert_eq!(second.len(), 1, "b's image is deleted in turn");
    assert_ne!(first, second, "each shown image had its own id");
}

#[test]
fn zooming_makes_a_new_view_and_fit_is_not_a_zoom() {
    let (mut p, rx) = kitty_previews();
    let a = Path::new("/x/a.png");
    assert!(show(&mut p, &rx, a, None));
    // Level 1 is the fitted view: nothing changes.
    let fit = ZoomView::FIT;
    assert!(show(&mut p, &rx, a, Some(fit)));
    assert!(p.take_stale_kitty().is_empty());
    // A real zoom needs the full decode first; until then the fitted view stays.
    let zoom = ZoomView { level: 2, ..fit };
    assert!(matches!(
        p.state_for_view(a, Some(zoom), AREA),
        PreviewState::Loading
    ));
    assert!(p.needs_full(a));
    p.on_full_decoded(a.to_path_buf(), Ok(img(64)));
    assert!(show(&mut p, &rx, a, Some(zoom)));
    assert_eq!(p.take_stale_kitty().len(), 1, "the fitted view is replaced");
    let _ = p.state_for_view(a, Some(zoom), AREA);
    assert!(p.take_stale_kitty().is_empty(), "the same zoom is kept");
}

#[test]
fn off_says_why() {
    let info = GraphicsInfo {
        protocol: None,
        note: Some("previews are off (image_protocol = off)".into()),
    };
    let mut p = Previews::new(None, &info, |_| {});
    assert!(!p.needs_decode(Path::new("/a.png")));
    assert!(
        matches!(p.state_for(Path::new("/a.png"), AREA), PreviewState::Unavailable(m) if m.contains("off"))
    );
}

#[test]
fn a_new_area_encodes_again_and_an_old_answer_is_dropped() {
    let (mut p, rx) = kitty_previews();
    let a = Path::new("/x/a.png");
    assert!(show(&mut p, &rx, a, None));
    // A smaller pane asks again; nothing is drawn until the new picture comes.
    let small = Size::new(10, 5);
    assert!(matches!(p.state_for(a, small), PreviewState::Encoding));
    let done = rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    // An answer for a view that is gone is not taken.
    let _ = p.state_for(Path::new("/x/b.png"), small);
    assert!(!p.on_encoded(done));
}
