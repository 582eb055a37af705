//! A bounded cache of GPU textures for thumbnails: loaded lazily when a view first asks for
//! them (visible items ask first), evicted least-recently-used so memory stays bounded however
//! long the user scrolls.

use std::collections::HashMap;
use std::hash::Hash;

use egui::{ColorImage, TextureHandle, TextureOptions};

enum Slot {
    /// Asked for; the worker is decoding it.
    Loading,
    Ready(TextureHandle),
    /// The image could not be read; not asked for again.
    Missing,
}

struct Entry {
    slot: Slot,
    last_used: u64,
    /// The sharpest the image was asked for again ([`TextureCache::get_at`]), in pixels; 0:
    /// never.
    asked_side: u32,
}

impl Entry {
    fn pixels(&self) -> usize {
        match &self.slot {
            Slot::Ready(texture) => texture.size()[0] * texture.size()[1],
            _ => 0,
        }
    }
}

pub struct TextureCache<K> {
    entries: HashMap<K, Entry>,
    wanted: Vec<K>,
    /// Images shown larger than they were loaded, with the side they are wanted at.
    sharper_wanted: Vec<(K, u32)>,
    capacity: usize,
    /// As many pixels as `capacity` images of the side they are loaded at first: sharper ones
    /// take the room of several.
    pixel_budget: usize,
    frame: u64,
    name: &'static str,
}

/// How much larger than its texture an image must be shown to be asked for sharper (and how
/// much sharper what comes back must be to be worth making): a little softness is not worth
/// reading a photo for.
pub const SOFT_BEYOND: f32 = 1.1;

/// Sharper images are asked for in steps of this many pixels, so that a window being resized
/// (and the cards in it) does not ask at every frame.
const SHARPER_STEP: u32 = 64;

impl<K: Copy + Eq + Hash + std::fmt::Debug> TextureCache<K> {
    /// `capacity`: how many images of at most `side` pixels square are kept at most (a 160×160
    /// thumbnail is 100 KB); sharper ones count for as many as their pixels make.
    pub fn new(name: &'static str, capacity: usize, side: u32) -> Self {
        TextureCache {
            entries: HashMap::new(),
            wanted: Vec::new(),
            sharper_wanted: Vec::new(),
            capacity,
            pixel_budget: capacity * (side as usize).pow(2),
            frame: 0,
            name,
        }
    }

    /// Marks the start of a frame, for recency.
    pub fn begin_frame(&mut self) {
        self.frame += 1;
    }

    /// The texture if it is loaded; otherwise queues it to be loaded.
    pub fn get(&mut self, key: K) -> Option<&TextureHandle> {
        match &used(&mut self.entries, &mut self.wanted, self.frame, key).slot {
            Slot::Ready(texture) => Some(texture),
            _ => None,
        }
    }

    /// As [`TextureCache::get`], for an image shown `side` pixels wide: one loaded smaller than
    /// that is asked for again that sharp (once for each step of [`SHARPER_STEP`]).
    pub fn get_at(&mut self, key: K, side: u32) -> Option<&TextureHandle> {
        let entry = used(&mut self.entries, &mut self.wanted, self.frame, key);
        let Slot::Ready(texture) = &entry.slot else {
            return None;
        };
        let step = side.div_ceil(SHARPER_STEP) * SHARPER_STEP;
        if texture.size()[0] as f32 * SOFT_BEYOND < side as f32 && step > entry.asked_side {
            entry.asked_side = step;
            self.sharper_wanted.push((key, step));
        }
        match &entry.slot {
            Slot::Ready(texture) => Some(texture),
            _ => None,
        }
    }

    /// The width in pixels of the image loaded for `key`, if one is.
    pub fn loaded_width(&self, key: K) -> Option<usize> {
        match &self.entries.get(&key)?.slot {
            Slot::Ready(texture) => Some(texture.size()[0]),
            _ => None,
        }
    }

    /// Whether the image was asked for and could not be had (a photo not there, say).
    pub fn is_missing(&self, key: K) -> bool {
        self.entries
            .get(&key)
            .is_some_and(|e| matches!(e.slot, Slot::Missing))
    }

    /// Keys asked for since the last call, in the order they were asked.
    pub fn take_wanted(&mut self) -> Vec<K> {
        std::mem::take(&mut self.wanted)
    }

    /// Keys shown larger than loaded since the last call, with the side each is wanted at.
    pub fn take_sharper_wanted(&mut self) -> Vec<(K, u32)> {
        std::mem::take(&mut self.sharper_wanted)
    }

    /// Stores a decoded image (None: it could not be read).
    pub fn insert(&mut self, ctx: &egui::Context, key: K, image: Option<ColorImage>) {
        let slot = match image {
            Some(image) => Slot::Ready(ctx.load_texture(
                format!("{}-{key:?}", self.name),
                image,
                TextureOptions::LINEAR,
            )),
            None => Slot::Missing,
        };
        let (last_used, asked_side) = self
            .entries
            .get(&key)
            .map_or((self.frame, 0), |e| (e.last_used, e.asked_side));
        self.entries.insert(
            key,
            Entry {
                slot,
                last_used,
                asked_side,
            },
        );
        self.evict();
    }

    /// Forgets one key so it is loaded again next time (its picture changed).
    pub fn forget(&mut self, key: K) {
        self.entries.remove(&key);
    }

    /// The sharper image asked for was not made: it is asked for again if still shown larger.
    pub fn ask_sharper_again(&mut self, key: K) {
        if let Some(entry) = self.entries.get_mut(&key) {
            entry.asked_side = 0;
        }
    }

    /// Forgets the images that could not be had, so they are asked for again when shown.
    pub fn forget_missing(&mut self) {
        self.entries.retain(|_, e| !matches!(e.slot, Slot::Missing));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Lets go of the images shown longest ago while more are kept than `capacity`, or more
    /// pixels than `pixel_budget`.
    fn evict(&mut self) {
        let pixel_budget = self.pixel_budget;
        let mut pixels: usize = self.entries.values().map(Entry::pixels).sum();
        if self.entries.len() <= self.capacity && pixels <= pixel_budget {
            return;
        }
        let mut by_age: Vec<(u64, K)> = self
            .entries
            .iter()
            // What this frame shows and what is still loading stay.
            .filter(|(_, e)| e.last_used < self.frame && !matches!(e.slot, Slot::Loading))
            .map(|(k, e)| (e.last_used, *k))
            .collect();
        by_age.sort_unstable_by_key(|(age, _)| *age);
        for (_, key) in by_age {
            if self.entries.len() <= self.capacity && pixels <= pixel_budget {
                break;
            }
            if let Some(entry) = self.entries.remove(&key) {
                pixels -= entry.pixels();
            }
        }
    }
}

/// The entry for `key`, marked as used in `frame`; a new one is queued to be loaded.
fn used<'a, K: Copy + Eq + Hash>(
    entries: &'a mut HashMap<K, Entry>,
    wanted: &mut Vec<K>,
    frame: u64,
    key: K,
) -> &'a mut Entry {
    let entry = entries.entry(key).or_insert_with(|| {
        wanted.push(key);
        Entry {
            slot: Slot::Loading,
            last_used: frame,
            asked_side: 0,
        }
    });
    entry.last_used = frame;
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Option<ColorImage> {
        Some(ColorImage::filled([2, 2], egui::Color32::RED))
    }

    #[test]
    fn asks_once_then_serves_and_evicts_the_oldest() {
        let ctx = egui::Context::default();
        let mut cache = TextureCache::new("t", 2, 160);
        cache.begin_frame();
        assert!(cache.get(1).is_none());
        assert!(cache.get(1).is_none());
        assert_eq!(cache.take_wanted(), vec![1]);
        cache.insert(&ctx, 1, image());
        assert!(cache.get(1).is_some());
        cache.begin_frame();
        cache.get(2);
        cache.insert(&ctx, 2, image());
        cache.begin_frame();
        cache.get(3);
        cache.insert(&ctx, 3, image());
        assert_eq!(cache.len(), 2, "bounded");
        cache.begin_frame();
        assert!(cache.get(1).is_none(), "the least recently used went first");
        assert!(cache.get(3).is_some());
    }

    fn image_of(side: usize) -> Option<ColorImage> {
        Some(ColorImage::filled([side, side], egui::Color32::RED))
    }

    #[test]
    fn an_image_shown_larger_than_loaded_is_asked_for_sharper_once_per_step() {
        let ctx = egui::Context::default();
        let mut cache: TextureCache<u32> = TextureCache::new("t", 10, 160);
        cache.begin_frame();
        assert!(cache.get_at(1, 300).is_none());
        assert_eq!(cache.take_wanted(), vec![1]);
        assert!(cache.take_sharper_wanted().is_empty(), "not loaded yet");
        cache.insert(&ctx, 1, image_of(160));
        // As large as loaded, or a little larger: nothing more.
        assert!(cache.get_at(1, 160).is_some());
        assert!(cache.get_at(1, 170).is_some());
        assert!(cache.take_sharper_wanted().is_empty());
        // Larger: asked for at the next step up, once, however often it is shown.
        for side in [300, 310, 290, 300] {
            assert!(cache.get_at(1, side).is_some());
        }
        assert_eq!(cache.take_sharper_wanted(), vec![(1, 320)]);
        // What came back is all there is (the face is small in its photo): the same step is
        // not asked again, a larger one is.
        cache.insert(&ctx, 1, image_of(200));
        assert!(cache.get_at(1, 300).is_some());
        assert!(cache.take_sharper_wanted().is_empty());
        assert!(cache.get_at(1, 400).is_some());
        assert_eq!(cache.take_sharper_wanted(), vec![(1, 448)]);
        // That ask let go of unmade (scrolled past): shown again, it is asked again.
        cache.ask_sharper_again(1);
        assert!(cache.get_at(1, 400).is_some());
        assert_eq!(cache.take_sharper_wanted(), vec![(1, 448)]);
    }

    #[test]
    fn sharper_images_take_the_room_of_several() {
        let ctx = egui::Context::default();
        // Room for 4 thumbnails of 160: two of 320 fill it.
        let mut cache: TextureCache<u32> = TextureCache::new("t", 4, 160);
        for key in 0..3 {
            cache.begin_frame();
            cache.get(key);
            cache.insert(&ctx, key, image_of(320));
        }
        assert_eq!(cache.len(), 1, "only the last shown stays");
        cache.begin_frame();
        assert!(cache.get(2).is_some());
    }

    #[test]
    fn images_of_the_side_the_cache_is_made_for_count_one_each() {
        let ctx = egui::Context::default();
        // Photos' thumbnails, 256 pixels: as many kept as the cache was made for.
        let mut cache: TextureCache<u32> = TextureCache::new("t", 3, 256);
        for key in 0..3 {
            cache.begin_frame();
            cache.get(key);
            cache.insert(&ctx, key, image_of(256));
        }
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn unreadable_images_are_not_asked_for_again() {
        let ctx = egui::Context::default();
        let mut cache: TextureCache<u32> = TextureCache::new("t", 10, 160);
        cache.begin_frame();
        cache.get(7);
        cache.take_wanted();
        cache.insert(&ctx, 7, None);
        assert!(cache.get(7).is_none());
        assert!(cache.is_missing(7));
        assert!(cache.take_wanted().is_empty());
        // Until told it may be there now (after a scan): then it is asked for once more.
        cache.forget_missing();
        assert!(!cache.is_missing(7));
        assert!(cache.get(7).is_none());
        assert_eq!(cache.take_wanted(), vec![7]);
    }
}
