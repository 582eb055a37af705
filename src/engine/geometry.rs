//! Rectangles and points in dlib's conventions: integer rectangles have inclusive corners
//! (`width = right - left + 1`), and are empty when `left > right` or `top > bottom`.

use serde::{Deserialize, Serialize};

/// An integer pixel rectangle with inclusive corners, as dlib's `rectangle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rect {
    pub left: i64,
    pub top: i64,
    pub right: i64,
    pub bottom: i64,
}

impl Rect {
    pub const fn new(left: i64, top: i64, right: i64, bottom: i64) -> Self {
        Rect {
            left,
            top,
            right,
            bottom,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.left > self.right || self.top > self.bottom
    }

    pub fn width(&self) -> i64 {
        if self.is_empty() {
            0
        } else {
            self.right - self.left + 1
        }
    }

    pub fn height(&self) -> i64 {
        if self.is_empty() {
            0
        } else {
            self.bottom - self.top + 1
        }
    }

    pub fn area(&self) -> i64 {
        self.width() * self.height()
    }

    pub fn intersect(&self, other: &Rect) -> Rect {
        Rect {
            left: self.left.max(other.left),
            top: self.top.max(other.top),
            right: self.right.min(other.right),
            bottom: self.bottom.min(other.bottom),
        }
    }

    /// The smallest rectangle containing both (not the area of the union).
    pub fn bounding_union(&self, other: &Rect) -> Rect {
        if self.is_empty() {
            return *other;
        }
        if other.is_empty() {
            return *self;
        }
        Rect {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    pub fn contains(&self, x: i64, y: i64) -> bool {
        x >= self.left && x <= self.right && y >= self.top && y <= self.bottom
    }

    pub fn to_array(&self) -> [i64; 4] {
        [self.left, self.top, self.right, self.bottom]
    }
}

/// A rectangle with real-valued corners (chip placement, detector windows).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DRect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl DRect {
    pub const fn new(left: f64, top: f64, right: f64, bottom: f64) -> Self {
        DRect {
            left,
            top,
            right,
            bottom,
        }
    }

    pub fn width(&self) -> f64 {
        self.right - self.left + 1.0
    }

    pub fn height(&self) -> f64 {
        self.bottom - self.top + 1.0
    }
}

/// An integer point (landmarks as dlib returns them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Point {
    pub x: i64,
    pub y: i64,
}

impl Point {
    pub const fn new(x: i64, y: i64) -> Self {
        Point { x, y }
    }
}

/// The five landmarks of dlib's 5-point model, in its order: outer and inner corner of the
/// eye on the image's right, outer and inner corner of the eye on the image's left, nose.
pub type Landmarks5 = [Point; 5];

/// Round half away from zero, as C's `lround`.
pub fn lround(v: f64) -> i64 {
    v.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusive_sizes_and_empty_rects() {
        let r = Rect::new(10, 20, 19, 24);
        assert_eq!((r.width(), r.height(), r.area()), (10, 5, 50));
        let e = Rect::new(5, 5, 4, 10);
        assert!(e.is_empty());
        assert_eq!(e.area(), 0);
        assert!(
            Rect::new(0, 0, 3, 3)
                .intersect(&Rect::new(5, 5, 6, 6))
                .is_empty()
        );
    }

    #[test]
    fn lround_is_half_away_from_zero() {
        assert_eq!(lround(2.5), 3);
        assert_eq!(lround(-2.5), -3);
        assert_eq!(lround(-2.4), -2);
    }
}
