//! The global allocator of the worker binary, its benchmarks and examples: mimalloc.
//!
//! The `mimalloc` crate's `GlobalAlloc` passes every request to `mi_malloc_aligned`, even
//! when the alignment asked for is one every mimalloc block already has. In mimalloc v3 that
//! call takes its fast path only when the size class's page has a free block at hand; when it
//! has none, a size that is not a power of two (a `Vec<Value>` of 8 fields is 320 bytes) is
//! served by *over-allocating* size + alignment − 1 bytes (`mi_theap_malloc_zero_aligned_at_
//! overalloc`). In the MySQL decode path that fallback cost ~5 % of all instructions and
//! wasted memory. [`Allocator`] calls plain `mi_malloc`/`mi_zalloc`/`mi_realloc` whenever the
//! alignment is at most 8 bytes, which every mimalloc block is aligned to (size classes are
//! multiples of the word size), and the aligned calls only for larger alignments.
//!
//! ```rust,ignore
//! #[global_allocator]
//! static GLOBAL: strait_alloc::Allocator = strait_alloc::Allocator;
//! ```

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment every block `mi_malloc` returns has, whatever its size.
const MIN_ALIGN: usize = std::mem::size_of::<usize>();

/// mimalloc as the global allocator; see the module documentation.
pub struct Allocator;

unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MIN_ALIGN {
            mi::mi_malloc(layout.size()).cast()
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MIN_ALIGN {
            mi::mi_zalloc(layout.size()).cast()
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr.cast::<c_void>());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MIN_ALIGN {
            mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
        } else {
            mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size from 1 byte to a few pages, at every alignment up to a page: the block is
    /// aligned, writable over its whole size, and survives growing and shrinking.
    #[test]
    fn blocks_are_aligned_and_usable() {
        let a = Allocator;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in (1..600).chain([1000, 4095, 4096, 70_000, 3 << 20]) {
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    p.write_bytes(0xAB, size);
                    let grown = a.realloc(p, layout, size * 2 + 7);
                    assert_eq!(
                        grown as usize % align,
                        0,
                        "realloc: size {size} align {align}"
                    );
                    assert_eq!(*grown.add(size - 1), 0xAB);
                    let shrunk_layout = Layout::from_size_align(size * 2 + 7, align).unwrap();
                    let shrunk = a.realloc(grown, shrunk_layout, size);
                    assert_eq!(shrunk as usize % align, 0);
                    assert_eq!(*shrunk.add(size - 1), 0xAB);
                    a.dealloc(shrunk, layout);
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
