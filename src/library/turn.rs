//! The quarter turns a user gives a photo whose pixels are stored sideways or upside down
//! (older cameras and scanners recorded no orientation; some apps drop it): Kindred shows and
//! analyses the photo turned, so the faces in it are found, and never writes to the file.
//!
//! A turn is applied after the file's own EXIF orientation. Every face box in the library is in
//! the coordinates of the photo as shown (orientation and turn applied); what leaves Kindred for
//! other apps (XMP regions) is turned back to the photo as its file shows it.

use image::{ImageBuffer, Pixel};

use crate::engine::geometry::{Point, Rect};

/// Quarter turns clockwise, 0–3.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Turn(u8);

impl Turn {
    /// The photo as its file shows it.
    pub const NONE: Turn = Turn(0);
    pub const RIGHT: Turn = Turn(1);
    pub const LEFT: Turn = Turn(3);

    /// `quarters` quarter turns clockwise (negative: anticlockwise).
    pub fn clockwise(quarters: i64) -> Turn {
        Turn(quarters.rem_euclid(4) as u8)
    }

    /// Quarter turns clockwise, 0–3, as stored.
    pub fn quarters(self) -> u8 {
        self.0
    }

    /// This turn and then `next`.
    pub fn then(self, next: Turn) -> Turn {
        Turn::clockwise(i64::from(self.0) + i64::from(next.0))
    }

    /// The turn that undoes this one.
    pub fn inverse(self) -> Turn {
        Turn::clockwise(-i64::from(self.0))
    }

    /// Whether the photo's width and height change places.
    pub fn swaps_sides(self) -> bool {
        self.0 % 2 == 1
    }

    /// The size of a `size` (width, height) picture once turned.
    pub fn size(self, (width, height): (u32, u32)) -> (u32, u32) {
        if self.swaps_sides() {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// The picture turned (a photo's pixels, or a thumbnail's with their alpha).
    pub fn image<P: Pixel + 'static>(
        self,
        image: ImageBuffer<P, Vec<P::Subpixel>>,
    ) -> ImageBuffer<P, Vec<P::Subpixel>> {
        match self.0 {
            1 => image::imageops::rotate90(&image),
            2 => image::imageops::rotate180(&image),
            3 => image::imageops::rotate270(&image),
            _ => image,
        }
    }

    /// Where the pixel at `point` of a `size` picture is once the picture is turned.
    pub fn point(self, point: Point, (width, height): (u32, u32)) -> Point {
        let (last_x, last_y) = (i64::from(width) - 1, i64::from(height) - 1);
        match self.0 {
            1 => Point::new(last_y - point.y, point.x),
            2 => Point::new(last_x - point.x, last_y - point.y),
            3 => Point::new(point.y, last_x - point.x),
            _ => point,
        }
    }

    /// Where the (inclusive) rectangle `rect` of a `size` picture is once the picture is turned.
    pub fn rect(self, rect: Rect, size: (u32, u32)) -> Rect {
        let a = self.point(Point::new(rect.left, rect.top), size);
        let b = self.point(Point::new(rect.right, rect.bottom), size);
        Rect::new(a.x.min(b.x), a.y.min(b.y), a.x.max(b.x), a.y.max(b.y))
    }

    /// Where a rectangle given by its normalised centre and size (`x`, `y`, `w`, `h`, fractions
    /// of the picture's width and height, as XMP regions are) is once the picture is turned.
    pub fn normalised(self, (x, y, w, h): (f64, f64, f64, f64)) -> (f64, f64, f64, f64) {
        match self.0 {
            1 => (1.0 - y, x, h, w),
            2 => (1.0 - x, 1.0 - y, w, h),
            3 => (y, 1.0 - x, h, w),
            _ => (x, y, w, h),
        }
    }

    /// In words, for messages: "turned right", "back as its file shows it".
    pub fn in_words(self) -> &'static str {
        match self.0 {
            1 => "turned right",
            2 => "turned upside down",
            3 => "turned left",
            _ => "back as its file shows it",
        }
    }
}

/// Every EXIF orientation (1–8) as a mirror image (or not) and then quarter turns clockwise.
const ORIENTATIONS: [(bool, u8); 8] = [
    (false, 0),
    (true, 0),
    (false, 2),
    (true, 2),
    (true, 3),
    (false, 1),
    (true, 1),
    (false, 3),
];

/// An EXIF orientation (1–8) as a mirror image or not, then a turn; one outside 1–8 is none
/// (1), as readers take it.
pub fn orientation_parts(orientation: u16) -> (bool, Turn) {
    let (mirrored, quarters) = ORIENTATIONS
        .get(usize::from(orientation.wrapping_sub(1)))
        .copied()
        .unwrap_or((false, 0));
    (mirrored, Turn(quarters))
}

/// The EXIF orientation (1–8) of a mirror image or not, then `turn`.
pub fn orientation_of(mirrored: bool, turn: Turn) -> u16 {
    let index = ORIENTATIONS
        .iter()
        .position(|&o| o == (mirrored, turn.0))
        .expect("every mirror and turn is an orientation");
    index as u16 + 1
}

/// As its quarter turns clockwise, the number scripts see elsewhere (`kindred faces --json`).
impl serde::Serialize for Turn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    #[test]
    fn turns_add_up_and_undo() {
        assert_eq!(Turn::RIGHT.then(Turn::RIGHT).then(Turn::RIGHT), Turn::LEFT);
        assert_eq!(Turn::LEFT.then(Turn::RIGHT), Turn::NONE);
        assert_eq!(Turn::clockwise(-1), Turn::LEFT);
        assert_eq!(Turn::clockwise(6).quarters(), 2);
        for q in 0..4 {
            let turn = Turn::clockwise(q);
            assert_eq!(turn.then(turn.inverse()), Turn::NONE);
        }
        assert_eq!(Turn::RIGHT.size((4, 3)), (3, 4));
        assert_eq!(Turn::clockwise(2).size((4, 3)), (4, 3));
    }

    /// Points and rectangles go where the pixels of the turned picture go.
    #[test]
    fn points_and_rects_follow_the_turned_pixels() {
        let (width, height) = (5u32, 3u32);
        let mut image = RgbImage::new(width, height);
        image.put_pixel(1, 0, image::Rgb([255, 0, 0]));
        image.put_pixel(4, 2, image::Rgb([0, 255, 0]));
        for q in 0..4 {
            let turn = Turn::clockwise(q);
            let turned = turn.image(image.clone());
            assert_eq!(turned.dimensions(), turn.size((width, height)));
            for (x, y, colour) in [(1, 0, [255, 0, 0]), (4, 2, [0, 255, 0])] {
                let p = turn.point(Point::new(x, y), (width, height));
                assert_eq!(
                    turned.get_pixel(p.x as u32, p.y as u32).0,
                    colour,
                    "{turn:?}"
                );
            }
            let rect = turn.rect(Rect::new(1, 0, 4, 2), (width, height));
            assert_eq!(
                (rect.width(), rect.height()),
                if turn.swaps_sides() { (3, 4) } else { (4, 3) }
            );
            // And back again.
            let back = turn.inverse().rect(rect, turn.size((width, height)));
            assert_eq!(back, Rect::new(1, 0, 4, 2));
        }
    }

    #[test]
    fn normalised_rectangles_turn_as_pixel_ones_do() {
        let (width, height) = (400u32, 200u32);
        let rect = Rect::new(40, 20, 119, 99);
        let centre = |r: &Rect, (w, h): (u32, u32)| {
            (
                (r.left + r.right + 1) as f64 / 2.0 / f64::from(w),
                (r.top + r.bottom + 1) as f64 / 2.0 / f64::from(h),
                r.width() as f64 / f64::from(w),
                r.height() as f64 / f64::from(h),
            )
        };
        for q in 0..4 {
            let turn = Turn::clockwise(q);
            let size = turn.size((width, height));
            let expected = centre(&turn.rect(rect, (width, height)), size);
            let got = turn.normalised(centre(&rect, (width, height)));
            for (a, b) in [
                (got.0, expected.0),
                (got.1, expected.1),
                (got.2, expected.2),
                (got.3, expected.3),
            ] {
                assert!((a - b).abs() < 1e-9, "{turn:?}: {got:?} vs {expected:?}");
            }
        }
    }
}
