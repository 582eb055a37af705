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
}

pub struct TextureCache<K> {
    entries: HashMap<K, Entry>,
    wanted: Vec<K>,
    capacity: usize,
    frame: u64,
    name: &'static str,
}

impl<K: Copy + Eq + Hash + std::fmt::Debug> TextureCache<K> {
    /// `capacity`: how many textures are kept at most (a 160×160 thumbnail is 100 KB).
    pub fn new(name: &'static str, capacity: usize) -> Self {
        TextureCache {
            entries: HashMap::new(),
            wanted: Vec::new(),
            capacity,
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
        let frame = self.frame;
        let entry = self.entries.entry(key).or_insert_with(|| {
            self.wanted.push(key);
            Entry {
                slot: Slot::Loading,
                last_used: frame,
            }
        });
        entry.last_used = frame;
        match &entry.slot {
            Slot::Ready(texture) => Some(texture),
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
        let last_used = self.entries.get(&key).map_or(self.frame, |e| e.last_used);
        self.entries.insert(key, Entry { slot, last_used });
        self.evict();
    }

    /// Forgets one key so it is loaded again next time (its picture changed).
    pub fn forget(&mut self, key: K) {
        self.entries.remove(&key);
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

    fn evict(&mut self) {
        if self.entries.len() <= self.capacity {
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
        let excess = self.entries.len() - self.capacity;
        for (_, key) in by_age.into_iter().take(excess) {
            self.entries.remove(&key);
        }
    }
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
        let mut cache = TextureCache::new("t", 2);
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

    #[test]
    fn unreadable_images_are_not_asked_for_again() {
        let ctx = egui::Context::default();
        let mut cache: TextureCache<u32> = TextureCache::new("t", 10);
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
