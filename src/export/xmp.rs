//! XMP sidecars: named faces written where other photo apps find them, without ever touching
//! the photo itself.
//!
//! The sidecar of `photo.jpg` is `photo.jpg.xmp`: digiKam (by default) and darktable name
//! sidecars by appending `.xmp` to the full file name; Lightroom and Capture One use
//! `photo.xmp` (and Lightroom reads XMP inside JPEGs, not sidecars). [`read_sidecar_of`]
//! accepts either name.
//!
//! Faces are written twice, as digiKam writes them: as Metadata Working Group regions
//! (`mwg-rs:Regions`: the size of the image the regions refer to, then one region per face,
//! `Type` Face, `Name`, and an `Area` with the normalised centre `x`, `y` and size `w`, `h`)
//! and as a plain list of names (`Iptc4xmpExt:PersonInImage`). Coordinates refer to the
//! photo as displayed, after its EXIF orientation is applied, which is how Kindred stores
//! faces.
//!
//! An existing sidecar is merged, not replaced: the file is parsed into a small tree that
//! keeps every element, attribute, comment and namespace as written, only the two face
//! properties are rebuilt, and the result is written under a temporary name and renamed over
//! the old file. Regions Kindred wrote carry a private `kindred:FaceId` marker, so a later run
//! replaces exactly those; regions drawn in other apps are kept unless they are the same face
//! (same name, or mostly overlapping one of Kindred's).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use quick_xml::escape::{escape, unescape};
use quick_xml::events::Event;

use crate::engine::geometry::Rect;
use crate::library::export_store::{NamedFace, PhotoFaces};
use crate::library::store::{MayTellOfDamage, PersonId, PhotoId, PhotoStatus, Store, StoreError};
use crate::library::walk::sidecar_names;

pub const RDF_NS: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub const MWG_RS_NS: &str = "http://www.metadataworkinggroup.com/schemas/regions/";
pub const ST_DIM_NS: &str = "http://ns.adobe.com/xap/1.0/sType/Dimensions#";
pub const ST_AREA_NS: &str = "http://ns.adobe.com/xmp/sType/Area#";
pub const IPTC_EXT_NS: &str = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
/// Windows Photo Gallery's people tags (`MP:RegionInfo`), found in many older family archives.
pub const MP_NS: &str = "http://ns.microsoft.com/photo/1.2/";
pub const MP_REGION_INFO_NS: &str = "http://ns.microsoft.com/photo/1.2/t/RegionInfo#";
pub const MP_REGION_NS: &str = "http://ns.microsoft.com/photo/1.2/t/Region#";
/// Kindred's own namespace, for the marker on the regions it wrote (`.invalid` is reserved,
/// so the name can never belong to anyone else).
pub const KINDRED_NS: &str = "http://ns.kindred.invalid/xmp/1.0/";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Two regions overlapping by at least this much (intersection over union) are the same face:
/// another app's region is replaced by Kindred's when a sidecar is merged, and its name goes to
/// the detected face under it when names are taken over ([`super::xmp_import`]).
pub const SAME_FACE_IOU: f64 = 0.3;

#[derive(Debug, thiserror::Error)]
pub enum XmpError {
    #[error("{}: not valid XML: {message}", path.display())]
    Xml { path: PathBuf, message: String },
    #[error("{}: not an XMP packet (no rdf:RDF element)", path.display())]
    NotXmp { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl MayTellOfDamage for XmpError {
    fn is_damage(&self) -> bool {
        matches!(self, XmpError::Store(e) if e.is_damage())
    }
}

/// One face region, in MWG terms: normalised centre and size, 0..1 of the image.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceRegion {
    pub name: String,
    /// `Face`, `Pet`, `Focus`, `BarCode`, … (Kindred writes `Face`).
    pub kind: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// The Kindred face this region came from, if Kindred wrote it.
    pub kindred_face: Option<i64>,
}

impl FaceRegion {
    /// The region of a face `rect` (inclusive pixels) in a `width`×`height` image, clipped to
    /// the image (detections may reach past its edges).
    pub fn from_rect(name: &str, rect: Rect, width: u32, height: u32, face: Option<i64>) -> Self {
        let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
        let clip = rect.intersect(&Rect::new(
            0,
            0,
            i64::from(width) - 1,
            i64::from(height) - 1,
        ));
        let clip = if clip.is_empty() { rect } else { clip };
        let (left, top) = (clip.left as f64, clip.top as f64);
        let (rw, rh) = (clip.width() as f64, clip.height() as f64);
        FaceRegion {
            name: name.to_string(),
            kind: "Face".to_string(),
            x: (left + rw / 2.0) / w,
            y: (top + rh / 2.0) / h,
            w: rw / w,
            h: rh / h,
            kindred_face: face,
        }
    }

    /// Back to an inclusive pixel rectangle of a `width`×`height` image.
    pub fn to_rect(&self, width: u32, height: u32) -> Rect {
        let (w, h) = (f64::from(width), f64::from(height));
        let left = ((self.x - self.w / 2.0) * w).round() as i64;
        let top = ((self.y - self.h / 2.0) * h).round() as i64;
        let right = ((self.x + self.w / 2.0) * w).round() as i64 - 1;
        let bottom = ((self.y + self.h / 2.0) * h).round() as i64 - 1;
        Rect::new(left, top, right, bottom)
    }

    pub(crate) fn overlap(&self, other: &FaceRegion) -> f64 {
        let ix = ((self.x + self.w / 2.0).min(other.x + other.w / 2.0)
            - (self.x - self.w / 2.0).max(other.x - other.w / 2.0))
        .max(0.0);
        let iy = ((self.y + self.h / 2.0).min(other.y + other.h / 2.0)
            - (self.y - self.h / 2.0).max(other.y - other.h / 2.0))
        .max(0.0);
        let inter = ix * iy;
        let union = self.w * self.h + other.w * other.h - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

/// The face information of an XMP packet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct XmpFaces {
    /// `mwg-rs:AppliedToDimensions` (width, height), when given in pixels.
    pub dimensions: Option<(u32, u32)>,
    pub regions: Vec<FaceRegion>,
    /// `Iptc4xmpExt:PersonInImage`.
    pub persons: Vec<String>,
    /// Windows Photo Gallery's named regions (`MP:RegionInfo`), as face regions. Only read
    /// (to take names over); Kindred writes MWG regions and leaves these as they are.
    pub microsoft_regions: Vec<FaceRegion>,
}

/// Where Kindred writes the sidecar of `photo`: `photo.jpg.xmp`.
pub fn sidecar_path(photo: &Path) -> PathBuf {
    let mut name = photo.file_name().unwrap_or_default().to_os_string();
    name.push(".xmp");
    photo.with_file_name(name)
}

/// The sidecar of `photo` that exists: `photo.jpg.xmp`, else `photo.xmp`.
pub fn existing_sidecar(photo: &Path) -> Option<PathBuf> {
    sidecar_names(photo).into_iter().find(|path| path.is_file())
}

/// Reads the faces of the sidecar of `photo`, if it has one.
pub fn read_sidecar_of(photo: &Path) -> Result<Option<XmpFaces>, XmpError> {
    let Some(path) = existing_sidecar(photo) else {
        return Ok(None);
    };
    let text = fs::read_to_string(&path).map_err(|source| XmpError::Read {
        path: path.clone(),
        source,
    })?;
    read(&text, &path).map(Some)
}

/// Parses the faces out of an XMP packet. `path` only names the file in errors.
pub fn read(text: &str, path: &Path) -> Result<XmpFaces, XmpError> {
    let doc = Document::parse(text, path)?;
    let rdf = doc.find(RDF_NS, "RDF").ok_or_else(|| XmpError::NotXmp {
        path: path.to_path_buf(),
    })?;
    Ok(faces_in(rdf))
}

/// The XMP packet `existing` (or a new one) with its face regions and person names replaced
/// by `faces` of an image of `width`×`height`; everything else is kept as it was.
pub fn merge(
    existing: Option<&str>,
    path: &Path,
    width: u32,
    height: u32,
    faces: &[FaceRegion],
) -> Result<String, XmpError> {
    let text = match existing {
        Some(t) if !t.trim().is_empty() => t,
        _ => EMPTY_PACKET,
    };
    let mut doc = Document::parse(text, path)?;
    let not_xmp = || XmpError::NotXmp {
        path: path.to_path_buf(),
    };
    let rdf_path = doc.path_to(RDF_NS, "RDF").ok_or_else(not_xmp)?;
    let rdf = doc.element_at(&rdf_path).ok_or_else(not_xmp)?;
    let rdf_prefix = prefix_of(&rdf.name).to_string();
    let old = faces_in(rdf);
    let (kept, dropped_names) = other_apps_regions(rdf, faces);
    let mut persons: Vec<String> = Vec::new();
    let mut add_person = |name: &str| {
        if !name.is_empty() && !persons.iter().any(|p| p == name) {
            persons.push(name.to_string());
        }
    };
    // Names stay in their place unless they belonged to a replaced region and are not
    // among the names written now (a person renamed or removed in Kindred).
    for name in &old.persons {
        if !dropped_names.contains(name) || faces.iter().any(|f| &f.name == name) {
            add_person(name);
        }
    }
    let kinds_and_names = kept
        .iter()
        .map(|k| (k.kind_and_name.0.as_str(), k.kind_and_name.1.as_str()))
        .chain(faces.iter().map(|f| (f.kind.as_str(), f.name.as_str())));
    for (kind, name) in kinds_and_names {
        if kind == "Face" {
            add_person(name);
        }
    }

    // Take the old properties out of every description.
    let rdf = doc.element_at_mut(&rdf_path).ok_or_else(not_xmp)?;
    for node in rdf.children.iter_mut() {
        if let Node::Element(desc) = node
            && desc.is(RDF_NS, "Description")
        {
            desc.children.retain(|n| {
                !matches!(n, Node::Element(e)
                    if e.is(MWG_RS_NS, "Regions") || e.is(IPTC_EXT_NS, "PersonInImage"))
            });
            desc.attrs
                .retain(|a| !(a.is(MWG_RS_NS, "Regions") || a.is(IPTC_EXT_NS, "PersonInImage")));
        }
    }
    drop_blank_runs(rdf);

    // Write the new ones into the first description (made if there is none).
    let desc_index = match rdf
        .children
        .iter()
        .position(|n| matches!(n, Node::Element(e) if e.is(RDF_NS, "Description")))
    {
        Some(i) => i,
        None => {
            let snippet = format!(
                "<{rdf_prefix}:Description {rdf_prefix}:about=\"\"></{rdf_prefix}:Description>"
            );
            let mut nodes = parse_fragment(&snippet, &[(rdf_prefix.as_str(), RDF_NS)], path)?;
            let at = last_element_index(&rdf.children).map_or(0, |i| i + 1);
            rdf.children.insert(at, Node::Text("\n  ".into()));
            rdf.children.insert(at + 1, nodes.remove(0));
            at + 1
        }
    };
    let Some(Node::Element(desc)) = rdf.children.get_mut(desc_index) else {
        return Err(not_xmp());
    };
    let wanted = [
        ("mwg-rs", MWG_RS_NS),
        ("stDim", ST_DIM_NS),
        ("stArea", ST_AREA_NS),
        ("Iptc4xmpExt", IPTC_EXT_NS),
        ("kindred", KINDRED_NS),
    ];
    // Declare our prefixes on the description unless it already binds them differently, in
    // which case they are declared on the new elements themselves.
    let mut local_decls = String::new();
    for (prefix, uri) in wanted {
        let key = format!("xmlns:{prefix}");
        match desc.attrs.iter().find(|a| a.name == key) {
            Some(a) if a.value == uri => {}
            Some(_) => local_decls.push_str(&format!(" {key}=\"{uri}\"")),
            None => desc.attrs.push(Attr {
                name: key,
                value: uri.to_string(),
                ns: Some(XMLNS_NS.to_string()),
                local: prefix.to_string(),
            }),
        }
    }
    let mut snippet = String::new();
    let in_force: Vec<Attr> = desc
        .attrs
        .iter()
        .filter(|a| a.ns.as_deref() == Some(XMLNS_NS))
        .cloned()
        .collect();
    if !kept.is_empty() || !faces.is_empty() {
        snippet.push_str(&regions_xml(
            &rdf_prefix,
            &local_decls,
            width,
            height,
            faces,
        ));
    }
    if !persons.is_empty() {
        snippet.push_str(&persons_xml(&rdf_prefix, &local_decls, &persons));
    }
    let mut scope: Vec<(&str, &str)> = vec![(rdf_prefix.as_str(), RDF_NS)];
    scope.extend(wanted);
    let mut nodes = parse_fragment(&snippet, &scope, path)?;
    // Other apps' regions go first into the new list, each as it was written.
    if !kept.is_empty()
        && let Some(list) = nodes.iter_mut().find_map(|n| match n {
            Node::Element(e) if e.is(MWG_RS_NS, "Regions") => region_list_mut(e),
            _ => None,
        })
    {
        let items = kept.into_iter().flat_map(|k| {
            let mut item = k.item;
            for decl in k.declarations {
                let declared = item.attrs.iter().any(|a| a.name == decl.name)
                    || in_force
                        .iter()
                        .any(|a| a.name == decl.name && a.value == decl.value);
                if !declared {
                    item.attrs.push(decl);
                }
            }
            [Node::Text("\n      ".into()), Node::Element(item)]
        });
        list.children.splice(0..0, items);
    }
    let at = last_element_index(&desc.children).map_or(0, |i| i + 1);
    let indent_end = trailing_indent(&desc.children);
    let mut insert = Vec::new();
    for node in nodes {
        if matches!(node, Node::Element(_)) {
            insert.push(Node::Text("\n   ".into()));
            insert.push(node);
        }
    }
    if at == desc.children.len() && !insert.is_empty() {
        insert.push(Node::Text(indent_end));
    }
    let tail = desc.children.split_off(at);
    desc.children.extend(insert);
    desc.children.extend(tail);
    Ok(doc.to_xml())
}

/// A fresh packet, as other XMP writers start one.
const EMPTY_PACKET: &str = "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"Kindred\">
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">
  <rdf:Description rdf:about=\"\">
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end=\"w\"?>
";

fn regions_xml(rdf: &str, decls: &str, width: u32, height: u32, regions: &[FaceRegion]) -> String {
    let mut s = format!(
        "<mwg-rs:Regions{decls} {rdf}:parseType=\"Resource\">
    <mwg-rs:AppliedToDimensions stDim:w=\"{width}\" stDim:h=\"{height}\" stDim:unit=\"pixel\"/>
    <mwg-rs:RegionList>
     <{rdf}:Bag>"
    );
    for r in regions {
        s.push_str(&format!(
            "
      <{rdf}:li {rdf}:parseType=\"Resource\">
       <mwg-rs:Type>{}</mwg-rs:Type>
       <mwg-rs:Name>{}</mwg-rs:Name>
       <mwg-rs:Area stArea:x=\"{:.6}\" stArea:y=\"{:.6}\" stArea:w=\"{:.6}\" stArea:h=\"{:.6}\" stArea:unit=\"normalized\"/>",
            escape(r.kind.as_str()),
            escape(r.name.as_str()),
            r.x,
            r.y,
            r.w,
            r.h
        ));
        if let Some(id) = r.kindred_face {
            s.push_str(&format!("\n       <kindred:FaceId>{id}</kindred:FaceId>"));
        }
        s.push_str(&format!("\n      </{rdf}:li>"));
    }
    s.push_str(&format!(
        "
     </{rdf}:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>"
    ));
    s
}

fn persons_xml(rdf: &str, decls: &str, persons: &[String]) -> String {
    let mut s = format!("<Iptc4xmpExt:PersonInImage{decls}>\n    <{rdf}:Bag>");
    for p in persons {
        s.push_str(&format!(
            "\n     <{rdf}:li>{}</{rdf}:li>",
            escape(p.as_str())
        ));
    }
    s.push_str(&format!(
        "\n    </{rdf}:Bag>\n   </Iptc4xmpExt:PersonInImage>"
    ));
    s
}

fn faces_in(rdf: &Element) -> XmpFaces {
    let mut out = XmpFaces::default();
    for desc in rdf.child_elements().filter(|e| e.is(RDF_NS, "Description")) {
        for prop in properties(desc) {
            if prop.is(MWG_RS_NS, "Regions") {
                read_regions(&prop, &mut out);
            } else if prop.is(MP_NS, "RegionInfo") {
                read_microsoft_regions(&prop, &mut out);
            } else if prop.is(IPTC_EXT_NS, "PersonInImage")
                && let PropValue::Element(e) = prop.value
            {
                for li in list_items(e) {
                    let name = li.text();
                    if !name.is_empty() && !out.persons.contains(&name) {
                        out.persons.push(name);
                    }
                }
            }
        }
    }
    out
}

/// A region another app wrote, kept through a merge.
struct KeptRegion {
    /// Its `rdf:li` as written: every field, also those Kindred does not read (a point or
    /// circle area, a description, a rotation, an app's extensions).
    item: Element,
    /// The namespace declarations in force where it was (but those of `rdf:RDF`, which stay
    /// in force), for the prefixes it uses wherever it is put.
    declarations: Vec<Attr>,
    /// Its `Type` and `Name` (empty where it has none).
    kind_and_name: (String, String),
}

/// The MWG regions of the packet that stay when Kindred writes `faces`: all but Kindred's own
/// and those of the faces written now (the same name, or mostly overlapping one of them); and
/// the names of the regions that go.
fn other_apps_regions(rdf: &Element, faces: &[FaceRegion]) -> (Vec<KeptRegion>, Vec<String>) {
    fn declarations(e: &Element) -> impl Iterator<Item = &Attr> {
        e.attrs.iter().filter(|a| a.ns.as_deref() == Some(XMLNS_NS))
    }
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for desc in rdf.child_elements().filter(|e| e.is(RDF_NS, "Description")) {
        for regions in desc.child_elements().filter(|e| e.is(MWG_RS_NS, "Regions")) {
            // The struct's fields are its children, or those of a description inside it.
            let mut holders = vec![regions];
            holders.extend(
                regions
                    .child_elements()
                    .filter(|e| e.is(RDF_NS, "Description")),
            );
            for holder in &holders {
                for list in holder
                    .child_elements()
                    .filter(|e| e.is(MWG_RS_NS, "RegionList"))
                {
                    for array in list.child_elements() {
                        let scope: Vec<Attr> = [desc, regions, holder, list, array]
                            .into_iter()
                            .flat_map(declarations)
                            .cloned()
                            .collect();
                        for li in array.child_elements().filter(|e| e.is(RDF_NS, "li")) {
                            let fields = properties(li);
                            let text = |n| field_text(&fields, MWG_RS_NS, n).unwrap_or_default();
                            let (kind, name) = (text("Type"), text("Name"));
                            let region = read_region(li);
                            let ours = fields.iter().any(|p| p.is(KINDRED_NS, "FaceId"));
                            let same_face = kind == "Face"
                                && faces.iter().any(|f| {
                                    f.name == name
                                        || region
                                            .as_ref()
                                            .is_some_and(|r| f.overlap(r) >= SAME_FACE_IOU)
                                });
                            if ours || same_face {
                                dropped.push(name);
                                continue;
                            }
                            kept.push(KeptRegion {
                                item: li.clone(),
                                declarations: scope.clone(),
                                kind_and_name: (kind, name),
                            });
                        }
                    }
                }
            }
        }
    }
    (kept, dropped)
}

/// The array of region items in a `mwg-rs:Regions` element Kindred wrote.
fn region_list_mut(regions: &mut Element) -> Option<&mut Element> {
    regions.children.iter_mut().find_map(|n| match n {
        Node::Element(list) if list.is(MWG_RS_NS, "RegionList") => {
            list.children.iter_mut().find_map(|n| match n {
                Node::Element(array) if array.is(RDF_NS, "Bag") => Some(array),
                _ => None,
            })
        }
        _ => None,
    })
}

fn read_regions(prop: &Prop, out: &mut XmpFaces) {
    let PropValue::Element(regions) = prop.value else {
        return;
    };
    for field in properties(regions) {
        if field.is(MWG_RS_NS, "AppliedToDimensions") {
            let dims = field.fields();
            let get = |n| dims.iter().find(|p| p.is(ST_DIM_NS, n)).map(Prop::text);
            let unit = get("unit").unwrap_or_else(|| "pixel".into());
            if unit == "pixel"
                && let (Some(w), Some(h)) = (get("w"), get("h"))
                && let (Ok(w), Ok(h)) = (w.parse::<f64>(), h.parse::<f64>())
            {
                out.dimensions = Some((w.round() as u32, h.round() as u32));
            }
        } else if field.is(MWG_RS_NS, "RegionList")
            && let PropValue::Element(list) = field.value
        {
            for li in list_items(list) {
                if let Some(region) = read_region(li) {
                    out.regions.push(region);
                }
            }
        }
    }
}

/// `MP:RegionInfo/MPRI:Regions`: each region a `MPReg:Rectangle` "left, top, width, height"
/// (normalised, from the top-left corner) and a `MPReg:PersonDisplayName`.
fn read_microsoft_regions(prop: &Prop, out: &mut XmpFaces) {
    let PropValue::Element(info) = prop.value else {
        return;
    };
    for field in properties(info) {
        let PropValue::Element(list) = field.value else {
            continue;
        };
        if !field.is(MP_REGION_INFO_NS, "Regions") {
            continue;
        }
        for li in list_items(list) {
            let fields = properties(li);
            let text = |n| field_text(&fields, MP_REGION_NS, n);
            let (Some(name), Some(rectangle)) = (text("PersonDisplayName"), text("Rectangle"))
            else {
                continue;
            };
            let numbers: Vec<f64> = rectangle
                .split(',')
                .filter_map(|v| v.trim().parse().ok())
                .filter(|v: &f64| v.is_finite())
                .collect();
            if let [left, top, w, h] = numbers[..] {
                out.microsoft_regions.push(FaceRegion {
                    name,
                    kind: "Face".into(),
                    x: left + w / 2.0,
                    y: top + h / 2.0,
                    w,
                    h,
                    kindred_face: None,
                });
            }
        }
    }
}

fn read_region(li: &Element) -> Option<FaceRegion> {
    let fields = properties(li);
    let text = |ns, n| field_text(&fields, ns, n);
    let area = fields.iter().find(|p| p.is(MWG_RS_NS, "Area"))?.fields();
    let num = |n| -> Option<f64> {
        area.iter()
            .find(|p| p.is(ST_AREA_NS, n))
            .and_then(|p| p.text().parse().ok())
            .filter(|v: &f64| v.is_finite())
    };
    let unit = area
        .iter()
        .find(|p| p.is(ST_AREA_NS, "unit"))
        .map(Prop::text)
        .unwrap_or_else(|| "normalized".into());
    if unit != "normalized" {
        return None;
    }
    Some(FaceRegion {
        name: text(MWG_RS_NS, "Name").unwrap_or_default(),
        kind: text(MWG_RS_NS, "Type").unwrap_or_default(),
        x: num("x")?,
        y: num("y")?,
        w: num("w")?,
        h: num("h")?,
        kindred_face: text(KINDRED_NS, "FaceId").and_then(|t| t.parse().ok()),
    })
}

// ----- writing sidecars for the library -----

/// What [`write_library_sidecars`] did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct XmpSummary {
    /// Sidecars created.
    pub created: u64,
    /// Existing sidecars merged into.
    pub updated: u64,
    /// Sidecars that already said exactly this.
    pub unchanged: u64,
    /// (photo, reason) for photos whose sidecar could not be written.
    pub failed: Vec<(PathBuf, String)>,
}

/// The regions of a photo's named faces, on the photo as its file shows it (a turn the user
/// gave it in Kindred undone: other apps do not know it). Photo dimensions missing from the
/// library (never the case for analysed photos) give no regions.
pub fn regions_of(photo: &PhotoFaces) -> Vec<FaceRegion> {
    let Some(size) = photo.photo.width.zip(photo.photo.height) else {
        return Vec::new();
    };
    let back = photo.photo.turn.inverse();
    let (w, h) = back.size(size);
    photo
        .faces
        .iter()
        .map(|f: &NamedFace| {
            let rect = back.rect(f.rect, size);
            FaceRegion::from_rect(&f.name, rect, w, h, Some(f.face_id))
        })
        .collect()
}

/// The size of a photo as its file shows it (before the user's turn), for its sidecar.
fn size_as_file_shows(photo: &crate::library::store::PhotoRecord) -> Option<(u32, u32)> {
    Some(photo.turn.inverse().size(photo.width.zip(photo.height)?))
}

/// Writes (or merges into) the sidecar of one photo. Returns whether the sidecar was
/// created, changed or already right.
pub fn write_sidecar(
    photo: &Path,
    width: u32,
    height: u32,
    faces: &[FaceRegion],
) -> Result<SidecarWrite, XmpError> {
    let path = sidecar_path(photo);
    let existing = match fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => return Err(XmpError::Read { path, source }),
    };
    let text = merge(existing.as_deref(), &path, width, height, faces)?;
    if existing.as_deref() == Some(text.as_str()) {
        return Ok(SidecarWrite::Unchanged);
    }
    let temp = path.with_file_name(format!(
        ".{}.kindred-part",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    let write_err = |source| XmpError::Write {
        path: path.clone(),
        source,
    };
    fs::write(&temp, &text).map_err(write_err)?;
    if let Err(e) = fs::rename(&temp, &path) {
        let _ = fs::remove_file(&temp);
        return Err(write_err(e));
    }
    Ok(if existing.is_some() {
        SidecarWrite::Updated
    } else {
        SidecarWrite::Created
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidecarWrite {
    Created,
    Updated,
    Unchanged,
}

/// Writes the sidecars of every photo with named faces (or only of photos showing one of
/// `only_with`), next to the photos. A photo whose sidecar cannot be written is reported in
/// the summary and the others go on.
pub fn write_library_sidecars(
    store: &Store,
    only_with: Option<&[PersonId]>,
) -> Result<XmpSummary, XmpError> {
    let mut summary = XmpSummary::default();
    let mut count = |path: &Path, written: Result<SidecarWrite, XmpError>| match written {
        Ok(SidecarWrite::Created) => summary.created += 1,
        Ok(SidecarWrite::Updated) => summary.updated += 1,
        Ok(SidecarWrite::Unchanged) => summary.unchanged += 1,
        Err(e) => summary.failed.push((path.to_path_buf(), e.to_string())),
    };
    let mut visited = std::collections::HashSet::new();
    for photo in store.named_faces(only_with, false)? {
        visited.insert(photo.photo.id);
        let Some((w, h)) = size_as_file_shows(&photo.photo) else {
            continue;
        };
        count(
            &photo.photo.path,
            write_sidecar(&photo.photo.path, w, h, &regions_of(&photo)),
        );
    }
    // A sidecar of Kindred's that names a face no longer named so (said not to be the person,
    // given to someone else, the person hidden or unnamed) is brought up to date as well:
    // otherwise other apps would go on showing the old name.
    let mut named: HashMap<PhotoId, PhotoFaces> = match only_with {
        Some(_) => store
            .named_faces(None, false)?
            .into_iter()
            .map(|p| (p.photo.id, p))
            .collect(),
        None => HashMap::new(),
    };
    for photo in store.photos()? {
        if visited.contains(&photo.id) || photo.status != PhotoStatus::Done {
            continue;
        }
        let sidecar = sidecar_path(&photo.path);
        let Ok(text) = fs::read_to_string(&sidecar) else {
            continue;
        };
        let holds_ours = read(&text, &sidecar)
            .is_ok_and(|faces| faces.regions.iter().any(|r| r.kindred_face.is_some()));
        let Some((w, h)) = size_as_file_shows(&photo).filter(|_| holds_ours) else {
            continue;
        };
        let regions = named
            .remove(&photo.id)
            .map(|p| regions_of(&p))
            .unwrap_or_default();
        count(&photo.path, write_sidecar(&photo.path, w, h, &regions));
    }
    Ok(summary)
}

// ----- a small XML tree that writes back what it read -----

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Element(Element),
    /// Character data as written (escaped).
    Text(String),
    /// Comments, processing instructions, declarations, CDATA: verbatim.
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
struct Attr {
    /// As written, with its prefix.
    name: String,
    /// As written (escaped).
    value: String,
    ns: Option<String>,
    local: String,
}

impl Attr {
    fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }
    fn text(&self) -> String {
        unescape(&self.value)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| self.value.clone())
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Element {
    name: String,
    ns: Option<String>,
    local: String,
    attrs: Vec<Attr>,
    children: Vec<Node>,
}

impl Element {
    fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    fn child_elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The unescaped, trimmed text inside.
    fn text(&self) -> String {
        let mut s = String::new();
        for n in &self.children {
            match n {
                Node::Text(t) => {
                    s.push_str(&unescape(t).map(|c| c.into_owned()).unwrap_or_default())
                }
                Node::Other(o) if o.starts_with("<![CDATA[") => {
                    s.push_str(o.trim_start_matches("<![CDATA[").trim_end_matches("]]>"))
                }
                Node::Element(e) => s.push_str(&e.text()),
                Node::Other(_) => {}
            }
        }
        s.trim().to_string()
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for a in &self.attrs {
            let quote = if a.value.contains('"') { '\'' } else { '"' };
            out.push(' ');
            out.push_str(&a.name);
            out.push('=');
            out.push(quote);
            out.push_str(&a.value);
            out.push(quote);
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for c in &self.children {
            c.write(out);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

impl Node {
    fn write(&self, out: &mut String) {
        match self {
            Node::Element(e) => e.write(out),
            Node::Text(t) | Node::Other(t) => out.push_str(t),
        }
    }
}

struct Document {
    nodes: Vec<Node>,
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(p, _)| p)
}

fn split_qname(qname: &str) -> (&str, &str) {
    qname.split_once(':').unwrap_or(("", qname))
}

type Scope = Vec<HashMap<String, String>>;

fn resolve(scope: &Scope, prefix: &str) -> Option<String> {
    if prefix == "xml" {
        return Some("http://www.w3.org/XML/1998/namespace".to_string());
    }
    scope.iter().rev().find_map(|m| m.get(prefix).cloned())
}

impl Document {
    fn parse(text: &str, path: &Path) -> Result<Self, XmpError> {
        let nodes = parse_nodes(text, Vec::new(), path)?;
        Ok(Document { nodes })
    }

    fn to_xml(&self) -> String {
        let mut out = String::new();
        for n in &self.nodes {
            n.write(&mut out);
        }
        out
    }

    fn find(&self, ns: &str, local: &str) -> Option<&Element> {
        let path = self.path_to(ns, local)?;
        self.element_at(&path)
    }

    /// Child indexes from the top down to the first element named (ns, local).
    fn path_to(&self, ns: &str, local: &str) -> Option<Vec<usize>> {
        fn walk(nodes: &[Node], ns: &str, local: &str, path: &mut Vec<usize>) -> bool {
            for (i, n) in nodes.iter().enumerate() {
                if let Node::Element(e) = n {
                    path.push(i);
                    if e.is(ns, local) || walk(&e.children, ns, local, path) {
                        return true;
                    }
                    path.pop();
                }
            }
            false
        }
        let mut path = Vec::new();
        walk(&self.nodes, ns, local, &mut path).then_some(path)
    }

    fn element_at(&self, path: &[usize]) -> Option<&Element> {
        let (last, init) = path.split_last()?;
        let mut nodes = &self.nodes;
        for &i in init {
            match nodes.get(i)? {
                Node::Element(e) => nodes = &e.children,
                _ => return None,
            }
        }
        match nodes.get(*last)? {
            Node::Element(e) => Some(e),
            _ => None,
        }
    }

    fn element_at_mut(&mut self, path: &[usize]) -> Option<&mut Element> {
        let (last, init) = path.split_last()?;
        let mut nodes = &mut self.nodes;
        for &i in init {
            match nodes.get_mut(i)? {
                Node::Element(e) => nodes = &mut e.children,
                _ => return None,
            }
        }
        match nodes.get_mut(*last)? {
            Node::Element(e) => Some(e),
            _ => None,
        }
    }
}

/// Parses a fragment written with the given prefixes in scope.
fn parse_fragment(text: &str, scope: &[(&str, &str)], path: &Path) -> Result<Vec<Node>, XmpError> {
    let map: HashMap<String, String> = scope
        .iter()
        .map(|(p, u)| (p.to_string(), u.to_string()))
        .collect();
    parse_nodes(text, vec![map], path)
}

fn parse_nodes(text: &str, outer: Scope, path: &Path) -> Result<Vec<Node>, XmpError> {
    let xml_err = |message: String| XmpError::Xml {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = quick_xml::Reader::from_str(text);
    // Element stack: (element, its namespace declarations pushed on the scope?).
    let mut stack: Vec<Element> = Vec::new();
    let mut scope: Scope = outer;
    let base_depth = scope.len();
    let mut top: Vec<Node> = Vec::new();
    fn push(stack: &mut [Element], top: &mut Vec<Node>, node: Node) {
        let list = match stack.last_mut() {
            Some(e) => &mut e.children,
            None => top,
        };
        if let (Node::Text(new), Some(Node::Text(last))) = (&node, list.last_mut()) {
            last.push_str(new);
            return;
        }
        list.push(node);
    }
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| xml_err(format!("at byte {}: {e}", reader.error_position())))?;
        let end = reader.buffer_position() as usize;
        let raw = text.get(start..end).unwrap_or("").to_string();
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let mut raw_attrs = Vec::new();
                let mut decls = HashMap::new();
                for attr in e.attributes() {
                    let attr = attr.map_err(|e| xml_err(e.to_string()))?;
                    let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                    let value = String::from_utf8_lossy(&attr.value).into_owned();
                    if key == "xmlns" {
                        decls.insert(String::new(), unescape_lossy(&value));
                    } else if let Some(p) = key.strip_prefix("xmlns:") {
                        decls.insert(p.to_string(), unescape_lossy(&value));
                    }
                    raw_attrs.push((key, value));
                }
                scope.push(decls);
                let (prefix, local) = split_qname(&name);
                let element = Element {
                    ns: resolve(&scope, prefix),
                    local: local.to_string(),
                    attrs: raw_attrs
                        .into_iter()
                        .map(|(key, value)| {
                            let (p, l) = split_qname(&key);
                            let ns = if key == "xmlns" || p == "xmlns" {
                                Some(XMLNS_NS.to_string())
                            } else if p.is_empty() {
                                None
                            } else {
                                resolve(&scope, p)
                            };
                            Attr {
                                local: l.to_string(),
                                name: key.clone(),
                                value,
                                ns,
                            }
                        })
                        .collect(),
                    name,
                    children: Vec::new(),
                };
                if matches!(event, Event::Empty(_)) {
                    scope.pop();
                    push(&mut stack, &mut top, Node::Element(element));
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| xml_err("unexpected end tag".into()))?;
                scope.pop();
                push(&mut stack, &mut top, Node::Element(element));
            }
            Event::Text(_) | Event::GeneralRef(_) => push(&mut stack, &mut top, Node::Text(raw)),
            Event::CData(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => push(&mut stack, &mut top, Node::Other(raw)),
            Event::Eof => break,
        }
    }
    if !stack.is_empty() || scope.len() != base_depth {
        return Err(xml_err("unclosed element at the end".into()));
    }
    Ok(top)
}

fn unescape_lossy(s: &str) -> String {
    unescape(s)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| s.to_string())
}

fn last_element_index(nodes: &[Node]) -> Option<usize> {
    nodes.iter().rposition(|n| matches!(n, Node::Element(_)))
}

/// The white space before an element's end tag, to keep its indentation.
fn trailing_indent(nodes: &[Node]) -> String {
    match nodes.last() {
        Some(Node::Text(t)) if t.trim().is_empty() => String::new(),
        _ => "\n  ".to_string(),
    }
}

/// After elements are taken out, their indentation is left behind as runs of blank text;
/// within each description, two blank texts in a row become one.
fn drop_blank_runs(rdf: &mut Element) {
    for node in rdf.children.iter_mut() {
        if let Node::Element(desc) = node {
            let mut out: Vec<Node> = Vec::with_capacity(desc.children.len());
            for child in desc.children.drain(..) {
                if let (Node::Text(new), Some(Node::Text(last))) = (&child, out.last_mut())
                    && new.trim().is_empty()
                    && last.trim().is_empty()
                {
                    *last = new.clone();
                    continue;
                }
                out.push(child);
            }
            desc.children = out;
        }
    }
}

// ----- RDF properties: the three ways XMP writes a struct -----

enum PropValue<'a> {
    Text(String),
    Element(&'a Element),
}

struct Prop<'a> {
    ns: Option<String>,
    local: String,
    value: PropValue<'a>,
}

impl Prop<'_> {
    fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    fn text(&self) -> String {
        match &self.value {
            PropValue::Text(t) => t.trim().to_string(),
            PropValue::Element(e) => e.text(),
        }
    }

    /// The fields of a struct-valued property.
    fn fields(&self) -> Vec<Prop<'_>> {
        match &self.value {
            PropValue::Element(e) => properties(e),
            PropValue::Text(_) => Vec::new(),
        }
    }
}

/// The properties of a description or struct node: its non-RDF attributes, the child
/// elements (for `rdf:parseType="Resource"` and plain descriptions), and the same again of a
/// nested `rdf:Description` (the long struct form).
fn properties(e: &Element) -> Vec<Prop<'_>> {
    let mut out = Vec::new();
    for a in &e.attrs {
        let ours = a.ns.as_deref() == Some(RDF_NS) || a.ns.as_deref() == Some(XMLNS_NS);
        if !ours && a.ns.is_some() {
            out.push(Prop {
                ns: a.ns.clone(),
                local: a.local.clone(),
                value: PropValue::Text(a.text()),
            });
        }
    }
    for child in e.child_elements() {
        if child.is(RDF_NS, "Description") {
            out.extend(properties(child));
        } else {
            out.push(Prop {
                ns: child.ns.clone(),
                local: child.local.clone(),
                value: PropValue::Element(child),
            });
        }
    }
    out
}

/// The text of the field `ns`:`local` among `fields`, if there is one.
fn field_text(fields: &[Prop<'_>], ns: &str, local: &str) -> Option<String> {
    fields.iter().find(|p| p.is(ns, local)).map(Prop::text)
}

/// The items of an array property (`rdf:Bag`, `rdf:Seq` or `rdf:Alt`).
fn list_items(e: &Element) -> Vec<&Element> {
    e.child_elements()
        .filter(|c| c.is(RDF_NS, "Bag") || c.is(RDF_NS, "Seq") || c.is(RDF_NS, "Alt"))
        .flat_map(|list| list.child_elements().filter(|li| li.is(RDF_NS, "li")))
        .collect()
}
