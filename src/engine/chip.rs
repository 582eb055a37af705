//! Face chips: the aligned 150×150 crops the descriptor network reads, cut exactly as dlib
//! cuts them (similarity fit to a landmark template, image pyramid for large faces, bilinear
//! sampling truncated to 8 bits).

use image::{Rgb, RgbImage};

use super::geometry::{DRect, Landmarks5, lround};

pub const CHIP_SIZE: usize = 150;
pub const CHIP_PADDING: f64 = 0.25;

/// Where a chip lies in the source image: a rotated rectangle and the chip's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipDetails {
    pub rect: DRect,
    pub angle: f64,
    pub rows: usize,
    pub cols: usize,
}

/// Template positions of the five landmarks in a unit face box (dlib's 5-point alignment).
const TEMPLATE: [(f64, f64); 5] = [
    (0.8595674595992, 0.2134981538014),
    (0.6460604764104, 0.2289674387677),
    (0.1205750620789, 0.2137274526848),
    (0.3340850613712, 0.2290642403242),
    (0.4901123135679, 0.6277975316475),
];

/// dlib's `get_face_chip_details` for 5 landmarks.
pub fn face_chip_details(landmarks: &Landmarks5, size: usize, padding: f64) -> ChipDetails {
    let s = size as f64;
    let chip: [(f64, f64); 5] = TEMPLATE.map(|(x, y)| {
        (
            (padding + x) / (2.0 * padding + 1.0) * s,
            (padding + y) / (2.0 * padding + 1.0) * s,
        )
    });
    let image: [(f64, f64); 5] = landmarks.map(|p| (p.x as f64, p.y as f64));
    let mean = |pts: &[(f64, f64); 5]| {
        let (sx, sy) = pts
            .iter()
            .fold((0.0, 0.0), |acc, p| (acc.0 + p.0, acc.1 + p.1));
        (sx / 5.0, sy / 5.0)
    };
    let (mu_x, mu_y) = mean(&chip);
    let (ml_x, ml_y) = mean(&image);
    let (mut n, mut alpha, mut beta) = (0.0, 0.0, 0.0);
    for (u, l) in chip.iter().zip(&image) {
        let (ax, ay) = (u.0 - mu_x, u.1 - mu_y);
        let (bx, by) = (l.0 - ml_x, l.1 - ml_y);
        n += ax * ax + ay * ay;
        alpha += bx * ax + by * ay;
        beta += by * ax - bx * ay;
    }
    let (alpha, beta) = if n > 0.0 {
        (alpha / n, beta / n)
    } else {
        (1.0, 0.0)
    };
    let (vx, vy) = (
        ml_x - (alpha * mu_x - beta * mu_y),
        ml_y - (beta * mu_x + alpha * mu_y),
    );
    let angle = beta.atan2(alpha);
    let scale = alpha.hypot(beta);
    let half = s / 2.0;
    let (cx, cy) = (
        alpha * half - beta * half + vx,
        beta * half + alpha * half + vy,
    );
    let w = s * scale - 1.0;
    let h = s * scale - 1.0;
    ChipDetails {
        rect: DRect::new(cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0),
        angle,
        rows: size,
        cols: size,
    }
}

fn area(r: &DRect) -> f64 {
    if r.left > r.right || r.top > r.bottom {
        0.0
    } else {
        (r.right - r.left + 1.0) * (r.bottom - r.top + 1.0)
    }
}

fn down(r: &DRect) -> DRect {
    DRect::new(
        r.left / 2.0 - 1.25,
        r.top / 2.0 - 0.75,
        r.right / 2.0 - 1.25,
        r.bottom / 2.0 - 0.75,
    )
}

fn rotate(center: (f64, f64), p: (f64, f64), angle: f64) -> (f64, f64) {
    let (s, c) = angle.sin_cos();
    let (dx, dy) = (p.0 - center.0, p.1 - center.1);
    (center.0 + c * dx - s * dy, center.1 + s * dx + c * dy)
}

/// Integer crop box `[l, t, r, b]` (inclusive) of a chip, grown by `grow` and clamped to the image.
fn crop_box(d: &ChipDetails, grow: f64, width: u32, height: u32) -> Option<[i64; 4]> {
    let r = &d.rect;
    let center = ((r.left + r.right) / 2.0, (r.top + r.bottom) / 2.0);
    let corners = [
        (r.left, r.top),
        (r.right, r.top),
        (r.left, r.bottom),
        (r.right, r.bottom),
    ]
    .map(|p| rotate(center, p, d.angle));
    let (mut l, mut t, mut rt, mut b) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in corners {
        l = l.min(x);
        t = t.min(y);
        rt = rt.max(x);
        b = b.max(y);
    }
    let (l, t) = ((l - grow).max(0.0), (t - grow).max(0.0));
    let (rt, b) = (
        (rt + grow).min(f64::from(width) - 1.0),
        (b + grow).min(f64::from(height) - 1.0),
    );
    let bx = [lround(l), lround(t), lround(rt), lround(b)];
    (bx[0] <= bx[2] && bx[1] <= bx[3]).then_some(bx)
}

/// Pyramid depth and crop growth a chip needs.
fn depth_and_grow(d: &ChipDetails) -> (usize, f64) {
    let n = (d.rows * d.cols) as f64;
    let (mut depth, mut grow) = (0, 2.0);
    let mut r = down(&d.rect);
    while area(&r) > n {
        r = down(&r);
        depth += 1;
        grow = 2.0 * grow + 2.0;
    }
    (depth, grow)
}

/// dlib's `pyramid_down<2>` on RGB8: a 5-tap [1 4 6 4 1] filter, then every other pixel.
pub fn pyr_down(image: &RgbImage) -> RgbImage {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w <= 8 || h <= 8 {
        return RgbImage::new(0, 0);
    }
    let (ow, oh) = ((w - 3) / 2, (h - 3) / 2);
    const WEIGHTS: [u32; 5] = [1, 4, 6, 4, 1];
    let src = image.as_raw();
    // Horizontal pass on every row, keeping every other column.
    let mut tmp = vec![[0u32; 3]; h * ow];
    for r in 0..h {
        for c in 0..ow {
            let mut acc = [0u32; 3];
            for (j, wgt) in WEIGHTS.iter().enumerate() {
                let i = 3 * (r * w + 2 * c + j);
                for ch in 0..3 {
                    acc[ch] += wgt * u32::from(src[i + ch]);
                }
            }
            tmp[r * ow + c] = acc;
        }
    }
    let mut out = RgbImage::new(ow as u32, oh as u32);
    for r in 0..oh {
        for c in 0..ow {
            let mut acc = [0u32; 3];
            for (j, wgt) in WEIGHTS.iter().enumerate() {
                let v = tmp[(2 * r + j) * ow + c];
                for ch in 0..3 {
                    acc[ch] += wgt * v[ch];
                }
            }
            out.put_pixel(c as u32, r as u32, Rgb(acc.map(|v| (v / 256) as u8)));
        }
    }
    out
}

fn sub_image(image: &RgbImage, bx: [i64; 4]) -> RgbImage {
    let (l, t) = (bx[0] as u32, bx[1] as u32);
    let (w, h) = ((bx[2] - bx[0] + 1) as u32, (bx[3] - bx[1] + 1) as u32);
    image::imageops::crop_imm(image, l, t, w, h).to_image()
}

/// Samples one chip from `source`, whose pixel (0, 0) is at `offset` in the original image,
/// using pyramid level `levels` of that source (already built in `pyramid`).
fn sample_chip(pyramid: &[RgbImage], offset: (f64, f64), d: &ChipDetails) -> RgbImage {
    let n = (d.rows * d.cols) as f64;
    let mut r = DRect::new(
        d.rect.left - offset.0,
        d.rect.top - offset.1,
        d.rect.right - offset.0,
        d.rect.bottom - offset.1,
    );
    let mut level = 0;
    while area(&down(&r)) > n && level + 1 < pyramid.len() {
        r = down(&r);
        level += 1;
    }
    let source = &pyramid[level];
    let center = ((r.left + r.right) / 2.0, (r.top + r.bottom) / 2.0);
    let tl = rotate(center, (r.left, r.top), d.angle);
    let tr = rotate(center, (r.right, r.top), d.angle);
    let bl = rotate(center, (r.left, r.bottom), d.angle);
    let (cols, rows) = (d.cols.max(2) as f64 - 1.0, d.rows.max(2) as f64 - 1.0);
    let dx = ((tr.0 - tl.0) / cols, (tr.1 - tl.1) / cols);
    let dy = ((bl.0 - tl.0) / rows, (bl.1 - tl.1) / rows);
    let (sw, sh) = (i64::from(source.width()), i64::from(source.height()));
    let src = source.as_raw();
    let mut chip = RgbImage::new(d.cols as u32, d.rows as u32);
    for y in 0..d.rows {
        for x in 0..d.cols {
            let px = tl.0 + x as f64 * dx.0 + y as f64 * dy.0;
            let py = tl.1 + x as f64 * dx.1 + y as f64 * dy.1;
            let (x0, y0) = (px.floor(), py.floor());
            if x0 < 0.0 || y0 < 0.0 || x0 as i64 + 1 >= sw || y0 as i64 + 1 >= sh {
                continue; // black
            }
            let (fx, fy) = (px - x0, py - y0);
            let (x0, y0) = (x0 as usize, y0 as usize);
            let at =
                |xx: usize, yy: usize, ch: usize| f64::from(src[3 * (yy * sw as usize + xx) + ch]);
            let mut pixel = [0u8; 3];
            for (ch, out) in pixel.iter_mut().enumerate() {
                let v = (1.0 - fy) * ((1.0 - fx) * at(x0, y0, ch) + fx * at(x0 + 1, y0, ch))
                    + fy * ((1.0 - fx) * at(x0, y0 + 1, ch) + fx * at(x0 + 1, y0 + 1, ch));
                *out = v as u8;
            }
            chip.put_pixel(x as u32, y as u32, Rgb(pixel));
        }
    }
    chip
}

/// One chip, extracted alone (as `dlib.get_face_chip` and single-face
/// `compute_face_descriptor`).
pub fn extract_chip(image: &RgbImage, details: &ChipDetails) -> RgbImage {
    extract_chips(image, std::slice::from_ref(details))
        .pop()
        .unwrap_or_else(|| RgbImage::new(0, 0))
}

/// Several chips in one call, as dlib's batch extraction: one crop box (the union of every
/// chip's), one pyramid as deep as the deepest chip needs.
pub fn extract_chips(image: &RgbImage, details: &[ChipDetails]) -> Vec<RgbImage> {
    let blank = |d: &ChipDetails| RgbImage::new(d.cols as u32, d.rows as u32);
    if image.width() == 0 || image.height() == 0 || details.is_empty() {
        return details.iter().map(blank).collect();
    }
    let mut depth = 0;
    let mut union: Option<[i64; 4]> = None;
    for d in details {
        let (dep, grow) = depth_and_grow(d);
        depth = depth.max(dep);
        if let Some(bx) = crop_box(d, grow, image.width(), image.height()) {
            union = Some(match union {
                None => bx,
                Some(u) => [
                    u[0].min(bx[0]),
                    u[1].min(bx[1]),
                    u[2].max(bx[2]),
                    u[3].max(bx[3]),
                ],
            });
        }
    }
    let Some(bx) = union else {
        return details.iter().map(blank).collect();
    };
    let mut pyramid = vec![sub_image(image, bx)];
    for _ in 0..depth {
        let next = pyr_down(pyramid.last().expect("non-empty"));
        if next.width() == 0 {
            break;
        }
        pyramid.push(next);
    }
    let offset = (bx[0] as f64, bx[1] as f64);
    details
        .iter()
        .map(|d| {
            if d.rect.left.is_finite() && d.angle.is_finite() {
                sample_chip(&pyramid, offset, d)
            } else {
                blank(d)
            }
        })
        .collect()
}
