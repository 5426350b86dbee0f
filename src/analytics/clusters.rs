//! What kinds of posts work: posts clustered by their features and engagement (k-means,
//! k-means++ seeding, k from 2 to 4 by silhouette), each cluster described in plain words
//! with its engagement against the median post.

use serde::Serialize;

use super::features::{Example, Features};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cluster {
    /// Indexes into the examples given.
    pub members: Vec<usize>,
    /// "short posts with a question, in the evening".
    pub description: String,
    pub mean_engagement: f64,
    /// Mean engagement over the median post's.
    pub vs_median: f64,
}

/// Standardised inputs: length, question, emoji, links, hashtags, evening, weekend,
/// sentiment, and engagement itself (so clusters are "kinds that did alike").
fn vector(e: &Example) -> Vec<f64> {
    let f = &e.features;
    vec![
        (f.chars.max(1) as f64).ln(),
        f.question as u8 as f64,
        (f.emoji > 0) as u8 as f64,
        (f.links > 0) as u8 as f64,
        (f.hashtags > 0) as u8 as f64,
        evening(f) as u8 as f64,
        f.weekend as u8 as f64,
        f.sentiment,
        e.engagement.max(0.0).ln_1p(),
    ]
}

fn evening(f: &Features) -> bool {
    (17..=21).contains(&f.hour)
}

fn standardise(rows: &mut [Vec<f64>]) {
    let Some(d) = rows.first().map(Vec::len) else {
        return;
    };
    for j in 0..d {
        let n = rows.len() as f64;
        let mean = rows.iter().map(|r| r[j]).sum::<f64>() / n;
        let sd = (rows.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n).sqrt();
        for r in rows.iter_mut() {
            r[j] = if sd > 1e-9 { (r[j] - mean) / sd } else { 0.0 };
        }
    }
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Lloyd's k-means with k-means++ seeding from a fixed seed (same input, same clusters).
fn kmeans(rows: &[Vec<f64>], k: usize) -> Vec<usize> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut rand = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut centres = vec![rows[0].clone()];
    while centres.len() < k {
        let d: Vec<f64> = rows
            .iter()
            .map(|r| centres.iter().map(|c| dist(r, c)).fold(f64::MAX, f64::min))
            .collect();
        let total: f64 = d.iter().sum();
        if total <= 0.0 {
            break;
        }
        let mut pick = rand() * total;
        let mut chosen = rows.len() - 1;
        for (i, v) in d.iter().enumerate() {
            if pick < *v {
                chosen = i;
                break;
            }
            pick -= v;
        }
        centres.push(rows[chosen].clone());
    }
    let mut assign = vec![0; rows.len()];
    for _ in 0..100 {
        let mut changed = false;
        for (i, r) in rows.iter().enumerate() {
            let best = (0..centres.len())
                .min_by(|a, b| dist(r, &centres[*a]).total_cmp(&dist(r, &centres[*b])))
                .unwrap_or(0);
            if assign[i] != best {
                assign[i] = best;
                changed = true;
            }
        }
        for (c, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&Vec<f64>> = rows
                .iter()
                .zip(&assign)
                .filter(|(_, a)| **a == c)
                .map(|(r, _)| r)
                .collect();
            if members.is_empty() {
                continue;
            }
            for (j, v) in centre.iter_mut().enumerate() {
                *v = members.iter().map(|m| m[j]).sum::<f64>() / members.len() as f64;
            }
        }
        if !changed {
            break;
        }
    }
    assign
}

/// Mean silhouette of an assignment (−1..1; higher is better separated).
fn silhouette(rows: &[Vec<f64>], assign: &[usize], k: usize) -> f64 {
    let mut total = 0.0;
    for (i, r) in rows.iter().enumerate() {
        let mut mean_to = vec![(0.0, 0usize); k];
        for (j, s) in rows.iter().enumerate() {
            if i != j {
                mean_to[assign[j]].0 += dist(r, s).sqrt();
                mean_to[assign[j]].1 += 1;
            }
        }
        let avg = |c: usize| {
            let (s, n) = mean_to[c];
            if n == 0 {
                0.0
            } else {
                s / n as f64
            }
        };
        let a = avg(assign[i]);
        let b = (0..k)
            .filter(|c| *c != assign[i] && mean_to[*c].1 > 0)
            .map(avg)
            .fold(f64::MAX, f64::min);
        if b == f64::MAX || mean_to[assign[i]].1 == 0 {
            continue;
        }
        total += (b - a) / a.max(b).max(1e-9);
    }
    total / rows.len() as f64
}

/// Cluster measured posts; `None` with fewer than 8.
pub fn cluster(examples: &[Example]) -> Option<Vec<Cluster>> {
    if examples.len() < 8 {
        return None;
    }
    let mut rows: Vec<Vec<f64>> = examples.iter().map(vector).collect();
    standardise(&mut rows);
    let (assign, k) = (2..=4.min(examples.len() / 3))
        .map(|k| {
            let a = kmeans(&rows, k);
            let s = silhouette(&rows, &a, k);
            (s, a, k)
        })
        .max_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, a, k)| (a, k))?;
    let mut engagement: Vec<f64> = examples.iter().map(|e| e.engagement).collect();
    engagement.sort_by(f64::total_cmp);
    let median = engagement[engagement.len() / 2].max(1e-9);
    let mut out: Vec<Cluster> = (0..k)
        .map(|c| {
            let members: Vec<usize> = (0..examples.len()).filter(|i| assign[*i] == c).collect();
            let mean = members.iter().map(|i| examples[*i].engagement).sum::<f64>()
                / members.len().max(1) as f64;
            Cluster {
                description: describe(members.iter().map(|i| &examples[*i].features)),
                mean_engagement: mean,
                vs_median: mean / median,
                members,
            }
        })
        .filter(|c| !c.members.is_empty())
        .collect();
    out.sort_by(|a, b| b.mean_engagement.total_cmp(&a.mean_engagement));
    Some(out)
}

/// The traits most of a cluster's posts share, in plain words.
fn describe<'a>(features: impl Iterator<Item = &'a Features>) -> String {
    let fs: Vec<&Features> = features.collect();
    let n = fs.len().max(1) as f64;
    let share = |p: &dyn Fn(&Features) -> bool| fs.iter().filter(|f| p(f)).count() as f64 / n;
    let chars = fs.iter().map(|f| f.chars as f64).sum::<f64>() / n;
    let mut s = String::from(if chars < 120.0 {
        "short posts"
    } else if chars > 300.0 {
        "long posts"
    } else {
        "medium-length posts"
    });
    let mut with = Vec::new();
    if share(&|f| f.question) > 0.6 {
        with.push("a question");
    }
    if share(&|f| f.emoji > 0) > 0.6 {
        with.push("emoji");
    }
    if share(&|f| f.links > 0) > 0.6 {
        with.push("links");
    }
    if share(&|f| f.hashtags > 0) > 0.6 {
        with.push("hashtags");
    }
    if !with.is_empty() {
        s.push_str(&format!(" with {}", with.join(", ")));
    }
    if share(&|f| f.question) < 0.2 {
        s.push_str(", no question");
    }
    if share(&|f| evening(f)) > 0.6 {
        s.push_str(", evenings");
    } else if share(&|f| f.hour < 12) > 0.6 {
        s.push_str(", mornings");
    }
    if share(&|f| f.weekend) > 0.6 {
        s.push_str(", weekends");
    }
    s
}

/// The clusters as text for the report.
pub fn render(clusters: &[Cluster]) -> String {
    let mut out = String::from("What kinds of posts work:\n");
    for c in clusters {
        out.push_str(&format!(
            "- {}: {:.1}x median engagement ({} posts, {:.1} per post)\n",
            c.description,
            c.vs_median,
            c.members.len(),
            c.mean_engagement
        ));
    }
    out.trim_end().to_string()
}
