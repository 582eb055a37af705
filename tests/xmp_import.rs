//! Names other photo apps wrote as XMP face regions — in a sidecar, or inside the JPEG — are
//! taken over when a scan analyses the photo, and never override what the user decided in
//! Kindred.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// An XMP packet as digiKam writes one: MWG face regions (normalised centre and size) and the
/// names as a plain list, beside an unrelated field.
fn xmp_packet(regions: &[(&str, f64, f64, f64, f64)]) -> String {
    let items: String = regions
        .iter()
        .map(|(name, x, y, w, h)| {
            format!(
                r#"
      <rdf:li>
       <rdf:Description mwg-rs:Name="{name}" mwg-rs:Type="Face">
        <mwg-rs:Area stArea:x="{x}" stArea:y="{y}" stArea:w="{w}" stArea:h="{h}" stArea:unit="normalized"/>
       </rdf:Description>
      </rdf:li>"#
            )
        })
        .collect();
    format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">
   <dc:subject><rdf:Bag><rdf:li>holiday</rdf:li></rdf:Bag></dc:subject>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="250" stDim:h="250" stDim:unit="pixel"/>
    <mwg-rs:RegionList>
     <rdf:Bag>{items}
     </rdf:Bag>
    </mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    )
}

/// The JPEG with an XMP packet in an APP1 segment right after its start marker.
fn with_embedded_xmp(jpeg: &[u8], packet: &str) -> Vec<u8> {
    let mut payload = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    payload.extend(packet.as_bytes());
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend(payload);
    out.extend(&jpeg[2..]);
    out
}

fn person_named<'a>(people: &'a [Value], name: &str) -> Option<&'a Value> {
    people.iter().find(|p| p["name"] == name)
}

fn face_in(library: &Path, person: &Value, file: &str) -> Value {
    json_on(
        library,
        &["faces", "--person", &person["id"].to_string(), "--json"],
    )
    .as_array()
    .unwrap()
    .iter()
    .find(|f| f["path"].as_str().unwrap().ends_with(file))
    .unwrap_or_else(|| panic!("no face of {file} in {person}"))
    .clone()
}

#[test]
fn names_from_sidecars_and_embedded_xmp_are_taken_over_but_never_override_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(
        dir.path(),
        &[
            "Tony_Blair_0001.jpg",
            "Laura_Bush_0003.jpg",
            "Serena_Williams_0002.jpg",
        ],
    );
    // digiKam's sidecar, its box larger than the detector's; plus a region over no face.
    let blair = photos.join("Tony_Blair_0001.jpg");
    std::fs::write(
        photos.join("Tony_Blair_0001.jpg.xmp"),
        xmp_packet(&[
            ("Tony Blair", 0.5, 0.46, 0.42, 0.52),
            ("Somebody", 0.06, 0.94, 0.08, 0.08),
        ]),
    )
    .unwrap();
    // Lightroom-style: the XMP inside the JPEG itself.
    let bush = std::fs::read(fixture("people/Laura_Bush_0002.jpg")).unwrap();
    std::fs::write(
        photos.join("Laura_Bush_0002.jpg"),
        with_embedded_xmp(&bush, &xmp_packet(&[("Laura Bush", 0.5, 0.45, 0.4, 0.5)])),
    )
    .unwrap();

    let library = dir.path().join("library.kindred");
    let out = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(
        out.contains(
            "names from other apps' face tags (XMP, Picasa) in 2 photos: 2 faces named (2 new people), 0 already decided here, 1 region not matched to a detected face"
        ),
        "{out}"
    );
    let people: Vec<Value> = json_on(&library, &["people", "--json"])
        .as_array()
        .unwrap()
        .clone();
    let tony = person_named(&people, "Tony Blair").expect("Tony Blair was taken over");
    let laura = person_named(&people, "Laura Bush").expect("Laura Bush was taken over");
    assert!(person_named(&people, "Somebody").is_none());
    assert_eq!(
        face_in(&library, tony, "Tony_Blair_0001.jpg")["state"],
        "confirmed"
    );
    assert_eq!(
        face_in(&library, laura, "Laura_Bush_0002.jpg")["state"],
        "confirmed"
    );
    // Matching ran after the import: Laura's other photo is suggested for her by name.
    assert_eq!(
        face_in(&library, laura, "Laura_Bush_0003.jpg")["state"],
        "suggested"
    );

    // The user says the face is not Tony Blair; then the photo changes on disk (another app
    // rewrote it), so the next scan analyses it again: the sidecar's name must not come back.
    let face = face_in(&library, tony, "Tony_Blair_0001.jpg")["id"].to_string();
    ok_on(&library, &["reject", &face]);
    let mut bytes = std::fs::read(&blair).unwrap();
    bytes.extend(b"\0");
    std::fs::write(&blair, bytes).unwrap();
    let out = ok_on(&library, &["scan", "--quiet"]);
    assert!(out.contains("1 analysed"), "{out}");
    assert!(
        out.contains("names from other apps' face tags (XMP, Picasa) in 1 photo: 0 faces named (0 new people), 1 already decided here"),
        "{out}"
    );
    let faces = json_on(
        &library,
        &["faces", "--person", &tony["id"].to_string(), "--json"],
    );
    assert!(
        faces
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["path"].as_str().unwrap().ends_with("Tony_Blair_0001.jpg")),
        "{faces}"
    );
}

#[test]
fn no_xmp_names_leaves_names_alone_and_a_broken_sidecar_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(dir.path(), &["Tony_Blair_0001.jpg", "Tony_Blair_0002.jpg"]);
    std::fs::write(
        photos.join("Tony_Blair_0001.jpg.xmp"),
        xmp_packet(&[("Tony Blair", 0.5, 0.46, 0.42, 0.52)]),
    )
    .unwrap();
    std::fs::write(
        photos.join("Tony_Blair_0002.jpg.xmp"),
        "<x:xmpmeta><rdf:RDF",
    )
    .unwrap();

    let without = dir.path().join("without.kindred");
    let out = ok_on(
        &without,
        &[
            "scan",
            "--quiet",
            "--no-xmp-names",
            photos.to_str().unwrap(),
        ],
    );
    assert!(!out.contains("XMP"), "{out}");
    let people = json_on(&without, &["people", "--json"]);
    assert!(
        people
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"].is_null()),
        "{people}"
    );

    let with = dir.path().join("with.kindred");
    let out = ok_on(&with, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(out.contains("2 analysed"), "{out}");
    assert!(out.contains("1 face named (1 new person)"), "{out}");
    assert!(
        out.contains("XMP not read for") && out.contains("Tony_Blair_0002.jpg"),
        "{out}"
    );

    // The import is one operation, and Ctrl+Z (here `undo`) takes it back.
    let undone = ok_on(&with, &["undo"]);
    assert!(
        undone.contains("undid: took over 1 face name from other apps' face tags"),
        "{undone}"
    );
    let people = json_on(&with, &["people", "--json"]);
    assert!(
        people
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"].is_null() || p["confirmed"] == 0),
        "{people}"
    );
}

/// The app matches faces every few seconds while it scans, and takes names over at the end;
/// the command line takes names over first. Both must give the same people: regression for
/// untagged faces of a tagged person staying behind in the unnamed cluster that live matching
/// had put them in.
#[test]
fn names_taken_over_after_live_matching_give_the_same_people_as_names_first() {
    use kindred::export::xmp_import::take_over_names;
    use kindred::library::store::Store;
    use kindred::people::ops;

    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(
        dir.path(),
        &[
            "Laura_Bush_0002.jpg",
            "Laura_Bush_0003.jpg",
            "Laura_Bush_0004.jpg",
            "Laura_Bush_0005.jpg",
            "Tony_Blair_0001.jpg",
            "Tony_Blair_0002.jpg",
            "Tony_Blair_0003.jpg",
            "Tony_Blair_0004.jpg",
        ],
    );
    // One photo of each tagged in another app.
    std::fs::write(
        photos.join("Laura_Bush_0002.jpg.xmp"),
        xmp_packet(&[("Laura Bush", 0.5, 0.45, 0.4, 0.5)]),
    )
    .unwrap();
    std::fs::write(
        photos.join("Tony_Blair_0001.jpg.xmp"),
        xmp_packet(&[("Tony Blair", 0.5, 0.46, 0.42, 0.52)]),
    )
    .unwrap();

    let engine = engine();
    // Who is in which named person, by file name, after a scan in the given order.
    let people_after = |match_while_scanning: bool| {
        let mut store = Store::open_in_memory().unwrap();
        let summary = run_scan(&mut store, &engine, &photos);
        if match_while_scanning {
            ops::match_new_faces(&mut store).unwrap();
        }
        let taken = take_over_names(&mut store, &summary.analysed_photos, Some(&engine)).unwrap();
        assert_eq!(taken.report.faces, 2);
        ops::match_new_faces(&mut store).unwrap();
        let mut named: Vec<(String, Vec<String>)> = ops::people(&store)
            .unwrap()
            .into_iter()
            .filter_map(|p| {
                let mut files: Vec<String> = ops::faces_of_person(&store, p.id)
                    .unwrap()
                    .iter()
                    .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
                    .collect();
                files.sort();
                Some((p.name?, files))
            })
            .collect();
        named.sort();
        named
    };
    let names_first = people_after(false);
    // Every photo of each is with the person named from one tagged photo.
    let names: Vec<&str> = names_first.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Laura Bush", "Tony Blair"]);
    for ((_, files), prefix) in names_first.iter().zip(["Laura_Bush", "Tony_Blair"]) {
        let on_disk = std::fs::read_dir(&photos)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(prefix) && n.ends_with(".jpg"));
        for file in on_disk {
            assert!(files.contains(&file), "{file} not in {names_first:?}");
        }
    }
    assert_eq!(people_after(true), names_first);
}

/// A phone photo stored on its side with an EXIF orientation, its face regions drawn by an app
/// that places them on the pixels as stored (its AppliedToDimensions the stored size): the
/// name still lands on the face.
#[test]
fn regions_drawn_on_a_turned_photos_stored_pixels_are_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    // As displayed: 500×250, Tony Blair on the left half, the right half empty.
    let face = image::open(fixture("people/Tony_Blair_0001.jpg"))
        .unwrap()
        .to_rgb8();
    let mut shown = image::RgbImage::from_pixel(500, 250, image::Rgb([90, 90, 90]));
    image::imageops::replace(&mut shown, &face, 0, 0);
    // Stored turned a quarter anticlockwise (250×500); orientation 6 turns it back.
    let stored = image::imageops::rotate270(&shown);
    let photo = photos.join("phone.jpg");
    write_jpeg(&photo, &stored, Some(6));
    // The face as displayed is about x 0.12–0.36, y 0.3–0.76 of 500×250; on the stored pixels
    // that is x 0.3–0.76, y 0.64–0.88.
    let packet = xmp_packet(&[("Tony Blair", 0.53, 0.76, 0.46, 0.24)]).replace(
        r#"stDim:w="250" stDim:h="250""#,
        r#"stDim:w="250" stDim:h="500""#,
    );
    std::fs::write(photos.join("phone.jpg.xmp"), packet).unwrap();

    let library = dir.path().join("library.kindred");
    let out = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(out.contains("1 face named (1 new person)"), "{out}");
    let people: Vec<Value> = json_on(&library, &["people", "--json"])
        .as_array()
        .unwrap()
        .clone();
    let tony = person_named(&people, "Tony Blair").expect("Tony Blair was taken over");
    let named = face_in(&library, tony, "phone.jpg");
    assert_eq!(named["state"], "confirmed");
    // The face Kindred found is on the left of the photo as displayed.
    let rect: Vec<i64> = named["rect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(rect[2] < 250, "{rect:?}");
}

/// Names given in another app after Kindred scanned the photos: the photo is unchanged, only
/// its sidecar is new. The next scan takes the names over (and the rest of the person's
/// cluster follows); a scan with nothing new reads nothing; Kindred's own sidecars never
/// bring back a name the user took back.
#[test]
fn names_added_to_sidecars_later_are_taken_over_at_the_next_scan() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(
        dir.path(),
        &[
            "Tony_Blair_0001.jpg",
            "Tony_Blair_0002.jpg",
            "Tony_Blair_0003.jpg",
            "Tony_Blair_0004.jpg",
        ],
    );
    let library = dir.path().join("library.kindred");
    let out = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(out.contains("4 analysed"), "{out}");
    let people = json_on(&library, &["people", "--json"]);
    let people = people.as_array().unwrap();
    // Tony's four faces are one person (the man half in the frame beside him in one photo,
    // another); nobody is named.
    assert!(people.iter().any(|p| p["faces"] == 4), "{people:?}");
    assert!(people.iter().all(|p| p["name"].is_null()), "{people:?}");

    // digiKam names one of the photos, in a sidecar.
    std::fs::write(
        photos.join("Tony_Blair_0001.jpg.xmp"),
        xmp_packet(&[("Tony Blair", 0.5, 0.46, 0.42, 0.52)]),
    )
    .unwrap();
    let out = ok_on(&library, &["scan", "--quiet"]);
    assert!(out.contains("0 analysed, 4 unchanged"), "{out}");
    assert!(
        out.contains(
            "names from other apps' face tags (XMP, Picasa) in 1 photo: 1 face named (1 new person)"
        ),
        "{out}"
    );
    let people = json_on(&library, &["people", "--json"]);
    let tony = person_named(people.as_array().unwrap(), "Tony Blair").unwrap();
    assert_eq!(tony["faces"], 4, "{people}");
    assert_eq!(tony["confirmed"], 1, "{people}");

    // Nothing changed: nothing is read again.
    let out = ok_on(&library, &["scan", "--quiet"]);
    assert!(!out.contains("XMP"), "{out}");

    // Kindred writes its own sidecars, then the user takes the naming back; another app
    // rewrites a sidecar. Kindred's own region there is not a name to take over.
    let id = tony["id"].to_string();
    let face = face_in(&library, tony, "Tony_Blair_0002.jpg")["id"].to_string();
    ok_on(&library, &["move", &face, "--to", &id]);
    ok_on(&library, &["xmp", "write"]);
    let sidecar = photos.join("Tony_Blair_0002.jpg.xmp");
    let written = std::fs::read_to_string(&sidecar).unwrap();
    assert!(written.contains("Tony Blair"), "{written}");
    let undone = ok_on(&library, &["undo"]);
    assert!(undone.contains("moved face"), "{undone}");
    std::fs::write(
        &sidecar,
        written.replace("</x:xmpmeta>", "<!-- rated --></x:xmpmeta>"),
    )
    .unwrap();
    let out = ok_on(&library, &["scan", "--quiet"]);
    let faces = json_on(&library, &["faces", "--person", &id, "--json"]);
    let confirmed: Vec<&str> = faces
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["state"] == "confirmed")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(confirmed.len(), 1, "{out}\n{faces}");
    assert!(
        confirmed[0].ends_with("Tony_Blair_0001.jpg"),
        "{confirmed:?}"
    );
}

/// Picasa kept face names in a hidden `.picasa.ini` per folder, not in the photos: an old
/// archive tagged there is named at the first scan, and a face tagged there later at the next.
#[test]
fn names_from_picasa_face_files_are_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(dir.path(), &["Tony_Blair_0001.jpg", "Laura_Bush_0002.jpg"]);
    // rect64: left, top, right, bottom in 65535ths of the 250×250 photo.
    let rect64 = |l: f64, t: f64, r: f64, b: f64| {
        let part = |v: f64| (v / 250.0 * 65535.0).round() as u64;
        format!(
            "rect64({:x})",
            (part(l) << 48) | (part(t) << 32) | (part(r) << 16) | part(b)
        )
    };
    let tony = format!("{},7a3c2e1f00aa11bb", rect64(63.0, 78.0, 177.0, 191.0));
    let unnamed = format!("{},ffffffffffffffff", rect64(150.0, 20.0, 240.0, 110.0));
    let ini = |laura: &str| {
        format!(
            "[Contacts2]\r\n7a3c2e1f00aa11bb=Tony Blair;;\r\n5b5b5b5b5b5b5b5b=Laura Bush;;\r\n\
             [Tony_Blair_0001.jpg]\r\nfaces={tony}\r\n[Laura_Bush_0002.jpg]\r\nfaces={laura}\r\n"
        )
    };
    std::fs::write(photos.join(".picasa.ini"), ini(&unnamed)).unwrap();
    let library = dir.path().join("library.kindred");
    let out = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(
        out.contains(
            "names from other apps' face tags (XMP, Picasa) in 1 photo: 1 face named (1 new person)"
        ),
        "{out}"
    );
    let people = json_on(&library, &["people", "--json"]);
    let people = people.as_array().unwrap();
    let tony_blair = person_named(people, "Tony Blair").expect("Tony Blair from Picasa");
    assert_eq!(
        face_in(&library, tony_blair, "Tony_Blair_0001.jpg")["state"],
        "confirmed"
    );
    assert!(person_named(people, "Laura Bush").is_none());

    // Later Picasa named Laura too; the photos themselves did not change.
    let laura = format!("{},5b5b5b5b5b5b5b5b", rect64(62.0, 86.0, 157.0, 181.0));
    std::fs::write(
        photos.join(".picasa.ini"),
        ini(&format!("{laura};{unnamed}")),
    )
    .unwrap();
    let out = ok_on(&library, &["scan", "--quiet"]);
    assert!(out.contains("0 analysed"), "{out}");
    assert!(out.contains("1 face named (1 new person)"), "{out}");
    let people = json_on(&library, &["people", "--json"]);
    let laura_bush = person_named(people.as_array().unwrap(), "Laura Bush").expect("Laura");
    assert_eq!(
        face_in(&library, laura_bush, "Laura_Bush_0002.jpg")["state"],
        "confirmed"
    );
}

/// Regression: once `kindred xmp write` had put a sidecar beside a photo, names given to its
/// faces later in an app that keeps them elsewhere (Picasa's face file, the XMP inside the
/// photo) were never read: Kindred's own sidecar came first and hid them.
#[test]
fn kindreds_own_sidecar_does_not_hide_names_given_later_in_picasa() {
    use kindred::engine::geometry::Rect;
    use kindred::export::xmp::{self, FaceRegion};
    use kindred::export::xmp_import::named_face_regions;

    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(dir.path(), &["Tony_Blair_0001.jpg"]);
    let photo = photos.join("Tony_Blair_0001.jpg");
    let kindreds = FaceRegion::from_rect("Tony", Rect::new(63, 78, 177, 191), 250, 250, Some(7));
    xmp::write_sidecar(&photo, 250, 250, std::slice::from_ref(&kindreds)).unwrap();
    let names = |photo: &Path| -> Vec<String> {
        named_face_regions(photo)
            .unwrap()
            .regions
            .into_iter()
            .map(|r| r.name)
            .collect()
    };
    assert_eq!(
        names(&photo),
        ["Tony"],
        "Kindred's regions, where no app named faces"
    );

    // Picasa names a face of it.
    std::fs::write(
        photos.join(".picasa.ini"),
        "[Contacts2]\r\n7a3c2e1f00aa11bb=Tony Blair;;\r\n\
         [Tony_Blair_0001.jpg]\r\nfaces=rect64(40834fdfb53fc395),7a3c2e1f00aa11bb\r\n",
    )
    .unwrap();
    assert_eq!(names(&photo), ["Tony Blair"]);

    // A sidecar another app wrote regions into still comes first.
    let digikams = FaceRegion::from_rect("T. Blair", Rect::new(63, 78, 177, 191), 250, 250, None);
    std::fs::remove_file(xmp::sidecar_path(&photo)).unwrap();
    xmp::write_sidecar(&photo, 250, 250, &[digikams]).unwrap();
    assert_eq!(names(&photo), ["T. Blair"]);
}

/// A scan killed after analysing photos but before reading their names (the last step) does
/// not lose the names: the next scan finds the photos unchanged and reads them then.
#[test]
fn names_are_read_after_a_scan_that_stopped_before_reading_them() {
    use kindred::library::store::Store;

    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(dir.path(), &["Tony_Blair_0001.jpg"]);
    std::fs::write(
        photos.join("Tony_Blair_0001.jpg.xmp"),
        xmp_packet(&[("Tony Blair", 0.5, 0.46, 0.42, 0.52)]),
    )
    .unwrap();
    let library = dir.path().join("library.kindred");
    {
        // The analysis part of a scan, committed; then the process dies.
        let mut store = Store::open(&library).unwrap();
        let summary = run_scan(&mut store, &engine(), &photos);
        assert_eq!(summary.analysed, 1);
    }
    let out = ok_on(&library, &["scan", "--quiet"]);
    assert!(out.contains("0 analysed, 1 unchanged"), "{out}");
    assert!(out.contains("1 face named (1 new person)"), "{out}");
}

/// A face another app's user tagged that the detector misses at the photo's size: looked
/// for again inside the tag's region, found, added and named; a region on no face stays
/// unmatched; reading the tag again later finds the face already there.
#[test]
fn a_tagged_face_the_scan_missed_is_found_in_its_region_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    // Seven small faces, none found at this size; dlib finds one at [385, 83, 432, 130] in
    // the doubled photo (1100×375 here). digiKam's box is larger than the detector's.
    too_small_for_the_scan("2007_007763")
        .save(photos.join("crowd.png"))
        .unwrap();
    let width = f64::from(WIDER_THAN_SMALL);
    let tags = [
        (
            "Kid",
            409.0 / width,
            107.0 / 375.0,
            62.0 / width,
            62.0 / 375.0,
        ),
        ("Nobody", 0.05, 0.95, 0.06, 0.06),
    ];
    let sidecar = photos.join("crowd.png.xmp");
    std::fs::write(&sidecar, xmp_packet(&tags)).unwrap();
    let library = dir.path().join("library.kindred");
    let out = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(
        out.contains(
            "in 1 photo: 1 face named (1 new person), 0 already decided here, 1 face the scan \
             had missed found in their regions, 1 region not matched to a detected face"
        ),
        "{out}"
    );
    let people: Vec<Value> = json_on(&library, &["people", "--json"])
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(people.len(), 1);
    let kid = person_named(&people, "Kid").expect("Kid was taken over");
    let face = face_in(&library, kid, "crowd.png");
    assert_eq!(face["state"], "confirmed");
    let rect: Vec<i64> = serde_json::from_value(face["rect"].clone()).unwrap();
    assert!(
        rect[0] >= 370 && rect[2] <= 450 && rect[1] >= 60 && rect[3] <= 150,
        "{rect:?}"
    );

    // Tagged again in the other app: the region now lies on the face Kindred keeps.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&sidecar, xmp_packet(&tags) + "\n").unwrap();
    let out = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(!out.contains("the scan had missed"), "{out}");
    let people = json_on(&library, &["people", "--json"]);
    assert_eq!(people.as_array().unwrap().len(), 1);
    assert_eq!(people[0]["faces"], 1);
}

/// A Google Takeout export lists, in a JSON file beside each photo, the people named in
/// Google Photos who are in it, without saying which face is whose: a photo of one face says
/// it; in a group photo each name goes to the face like that person's other faces.
#[test]
fn names_from_google_takeout_are_given_to_the_right_faces_of_a_group_photo() {
    let dir = tempfile::tempdir().unwrap();
    let photos = photos_from(dir.path(), &["Laura_Bush_0003.jpg", "Tony_Blair_0002.jpg"]);
    // Laura on the left, Tony on the right; the file lists Tony first.
    write_jpeg(&photos.join("IMG_0001.jpg"), &laura_and_tony(), None);
    let takeout = |names: &[&str]| {
        let people: Vec<String> = names
            .iter()
            .map(|n| format!(r#"{{"name": "{n}"}}"#))
            .collect();
        format!(
            r#"{{"title": "x.jpg", "photoTakenTime": {{"timestamp": "1600596727"}},
                "people": [{}], "url": "https://photos.google.com/photo/x"}}"#,
            people.join(", ")
        )
    };
    for (file, json, names) in [
        (
            "Laura_Bush_0003.jpg",
            "Laura_Bush_0003.jpg.supplemental-metadata.json",
            &["Laura Bush"][..],
        ),
        (
            "Tony_Blair_0002.jpg",
            "Tony_Blair_0002.jpg.json",
            &["Tony Blair"],
        ),
        (
            "IMG_0001.jpg",
            "IMG_0001.jpg.supplemental-metadata.json",
            &["Tony Blair", "Laura Bush"],
        ),
    ] {
        assert!(photos.join(file).is_file());
        std::fs::write(photos.join(json), takeout(names)).unwrap();
    }
    let library = dir.path().join("library.kindred");
    let out = ok_on(&library, &["scan", "--quiet", photos.to_str().unwrap()]);
    assert!(
        out.contains(
            "names from other apps' face tags (XMP, Picasa, Google Photos) in 3 photos: \
             4 faces named (2 new people), 0 already decided here, 0 regions not matched to a \
             detected face, 0 names from Google Photos not told apart in group photos"
        ),
        "{out}"
    );
    let people = json_on(&library, &["people", "--json"]);
    let people = people.as_array().unwrap();
    let laura = person_named(people, "Laura Bush").expect("Laura Bush");
    let tony = person_named(people, "Tony Blair").expect("Tony Blair");
    let (laura_there, tony_there) = (
        face_in(&library, laura, "IMG_0001.jpg"),
        face_in(&library, tony, "IMG_0001.jpg"),
    );
    assert_eq!(laura_there["state"], "confirmed");
    assert_eq!(tony_there["state"], "confirmed");
    let left = |face: &Value| face["rect"][0].as_i64().unwrap();
    assert!(
        left(&laura_there) < left(&tony_there),
        "{laura_there} {tony_there}"
    );
    // Told once: a rescan reads nothing again.
    let out = ok_on(&library, &["scan", "--quiet"]);
    assert!(!out.contains("faces named"), "{out}");
    // A file changed later is read again; the faces confirmed as its names are placed already
    // and a face confirmed as someone else is no one else's (here the user moved Laura's face
    // of the group photo to Ada, and a third name came). The sidecars Kindred wrote for other
    // apps meanwhile (its own regions, not names to take over) do not hide the Takeout files.
    let face = laura_there["id"].to_string();
    ok_on(&library, &["split", "--name", "Ada", &face]);
    ok_on(&library, &["xmp", "write"]);
    assert!(photos.join("IMG_0001.jpg.xmp").is_file());
    std::fs::write(
        photos.join("IMG_0001.jpg.supplemental-metadata.json"),
        takeout(&["Tony Blair", "Laura Bush", "Cy"]),
    )
    .unwrap();
    let out = ok_on(&library, &["scan", "--quiet"]);
    assert!(
        out.contains(
            "in 3 photos: 0 faces named (0 new people), 0 already decided here, 0 regions not \
             matched to a detected face, 2 names from Google Photos not told apart"
        ),
        "{out}"
    );
}
