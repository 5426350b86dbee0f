//! Charts drawn in-process with plotters, as PNG for chats (bitmap backend, the DejaVu Sans
//! font built in, so no system fonts are needed) and as SVG for the dashboard (crisp at any
//! size): daily activity with its forecast band and unusual days, engagement per post by
//! hour of day, and by weekday and hour as a heatmap. Each chart is drawn once, generically,
//! onto either backend.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::besttime::{HourStat, WEEKDAYS};
use super::forecast::Forecast;

pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 420;

#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

static FONT: Once = Once::new();

fn font() {
    FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_err() {
            tracing::error!("the built-in chart font did not load; charts will have no text");
        }
    });
}

/// Every chart's frame: its title above, room for the axes' labels.
fn framed<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48);
    builder
}

type Area<DB> = DrawingArea<DB, Shift>;

/// Draw onto a white bitmap and encode it as PNG.
fn png(
    draw: impl FnOnce(&Area<BitMapBackend<'_>>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    font();
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    encode(&rgb)
}

/// Draw onto an SVG document that scales to its container: the fixed size gives way to the
/// view box, so the page decides how wide the chart is.
fn svg(
    draw: impl FnOnce(&Area<SVGBackend<'_>>) -> Result<(), ChartError>,
) -> Result<String, ChartError> {
    // Text is laid out with the built-in font's measures, whatever the backend.
    font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    let fixed = format!("width=\"{WIDTH}\" height=\"{HEIGHT}\" ");
    Ok(out.replacen(
        &fixed,
        "role=\"img\" preserveAspectRatio=\"xMidYMid meet\" ",
        1,
    ))
}

/// RGB pixels to PNG bytes.
fn encode(rgb: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(err)?;
    w.write_image_data(rgb).map_err(err)?;
    w.finish().map_err(err)?;
    Ok(out)
}

/// Where a value axis from 0 ends, and how many labels it gets, so that every label is a
/// whole number and none repeats (small counts got `0 0 0 1 1 1` from fractional ticks).
fn count_axis(max: f64) -> (f64, usize) {
    let top = (max * 1.1).ceil().max(4.0);
    if top <= 10.0 {
        (top, top as usize + 1)
    } else {
        (top, 8)
    }
}

/// A tick label for a count: whole numbers only (a fractional tick gets none).
fn whole(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{v:.0}")
    } else {
        String::new()
    }
}

/// Member messages per day from `first` (a local date), then the forecast with its 95 %
/// band; the days at `unusual` (indexes into `daily`) are marked. PNG.
pub fn activity(
    daily: &[f64],
    forecast: Option<&Forecast>,
    unusual: &[usize],
    first: chrono::NaiveDate,
    title: &str,
) -> Result<Vec<u8>, ChartError> {
    png(|root| draw_activity(root, daily, forecast, unusual, first, title))
}

/// [`activity`] as SVG.
pub fn activity_svg(
    daily: &[f64],
    forecast: Option<&Forecast>,
    unusual: &[usize],
    first: chrono::NaiveDate,
    title: &str,
) -> Result<String, ChartError> {
    svg(|root| draw_activity(root, daily, forecast, unusual, first, title))
}

fn draw_activity<DB: DrawingBackend>(
    root: &Area<DB>,
    daily: &[f64],
    forecast: Option<&Forecast>,
    unusual: &[usize],
    first: chrono::NaiveDate,
    title: &str,
) -> Result<(), ChartError> {
    let ahead = forecast.map_or(0, |f| f.forecast.len());
    let most = daily
        .iter()
        .chain(forecast.iter().flat_map(|f| f.upper.iter()))
        .fold(0.0f64, |m, v| m.max(*v));
    let (top, y_labels) = count_axis(most);
    let days = (daily.len() + ahead).max(2);
    let mut chart = framed(root, title)
        .build_cartesian_2d(0f64..(days - 1) as f64, 0f64..top)
        .map_err(err)?;
    let date = |x: &f64| {
        if (x - x.round()).abs() > 1e-6 || *x < 0.0 {
            return String::new();
        }
        first
            .checked_add_days(chrono::Days::new(x.round() as u64))
            .map(|d| d.format("%b %d").to_string())
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(y_labels)
        .y_desc("messages")
        .x_label_formatter(&date)
        .y_label_formatter(&|y| whole(*y))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    if let Some(f) = forecast {
        let n = daily.len() as f64;
        let mut band: Vec<(f64, f64)> = f
            .upper
            .iter()
            .enumerate()
            .map(|(i, v)| (n + i as f64, *v))
            .collect();
        band.extend(
            f.lower
                .iter()
                .enumerate()
                .rev()
                .map(|(i, v)| (n + i as f64, v.max(0.0))),
        );
        chart
            .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.15).filled())))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                f.forecast
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (n + i as f64, v.max(0.0))),
                BLUE.stroke_width(2),
            ))
            .map_err(err)?
            .label("forecast (95% band)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLUE));
    }
    chart
        .draw_series(LineSeries::new(
            daily.iter().enumerate().map(|(i, v)| (i as f64, *v)),
            BLACK.stroke_width(2),
        ))
        .map_err(err)?
        .label("messages per day")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLACK));
    if !unusual.is_empty() {
        chart
            .draw_series(unusual.iter().filter_map(|d| {
                daily
                    .get(*d)
                    .map(|v| Circle::new((*d as f64, *v), 6, RED.stroke_width(3)))
            }))
            .map_err(err)?
            .label("unusual day")
            .legend(|(x, y)| Circle::new((x + 9, y), 5, RED.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Engagement per post by local hour of day (all weekdays together). PNG.
pub fn hours(stats: &[HourStat], title: &str) -> Result<Vec<u8>, ChartError> {
    png(|root| draw_hours(root, stats, title))
}

/// [`hours`] as SVG.
pub fn hours_svg(stats: &[HourStat], title: &str) -> Result<String, ChartError> {
    svg(|root| draw_hours(root, stats, title))
}

fn draw_hours<DB: DrawingBackend>(
    root: &Area<DB>,
    stats: &[HourStat],
    title: &str,
) -> Result<(), ChartError> {
    let mut per_hour = [(0u64, 0usize); 24];
    for s in stats {
        per_hour[s.hour as usize].0 += s.engagement;
        per_hour[s.hour as usize].1 += s.posts;
    }
    let means: Vec<f64> = per_hour
        .iter()
        .map(|(e, n)| if *n == 0 { 0.0 } else { *e as f64 / *n as f64 })
        .collect();
    let top = means.iter().fold(1.0f64, |m, v| m.max(*v)) * 1.15;
    let mut chart = framed(root, title)
        .build_cartesian_2d(0u32..24u32, 0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hour of day")
        .y_desc("engagement per post")
        .y_label_formatter(&|y| format!("{y:.1}"))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(means.iter().enumerate().map(|(h, v)| {
            Rectangle::new(
                [(h as u32, 0.0), (h as u32 + 1, *v)],
                GREEN.mix(0.7).filled(),
            )
        }))
        .map_err(err)?;
    Ok(())
}

/// Engagement per post by local weekday and hour: a 7 × 24 grid, darker where posts did
/// better, each cell with posts showing its mean and count; hours without posts stay blank.
/// PNG.
pub fn week_heatmap(stats: &[HourStat], title: &str) -> Result<Vec<u8>, ChartError> {
    png(|root| draw_week_heatmap(root, stats, title))
}

/// [`week_heatmap`] as SVG.
pub fn week_heatmap_svg(stats: &[HourStat], title: &str) -> Result<String, ChartError> {
    svg(|root| draw_week_heatmap(root, stats, title))
}

fn draw_week_heatmap<DB: DrawingBackend>(
    root: &Area<DB>,
    stats: &[HourStat],
    title: &str,
) -> Result<(), ChartError> {
    let mut cells = [[None::<(f64, usize)>; 24]; 7];
    for s in stats {
        if let (Some(row), true) = (WEEKDAYS.iter().position(|d| *d == s.weekday), s.hour < 24) {
            cells[row][s.hour as usize] = Some((s.mean, s.posts));
        }
    }
    let best = stats.iter().fold(0.0f64, |m, s| m.max(s.mean)).max(1e-9);
    // Segmented axes: each hour and each day is a band, labelled at its middle.
    let mut chart = framed(root, title)
        .build_cartesian_2d(
            (0u32..23u32).into_segmented(),
            (0u32..6u32).into_segmented(),
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(24)
        .y_labels(7)
        .x_desc("hour of day (local)")
        .x_label_formatter(&|h| match h {
            SegmentValue::CenterOf(h) => format!("{h}"),
            _ => String::new(),
        })
        .y_label_formatter(&|r| match r {
            // Rows run Mon at the top to Sun at the bottom.
            SegmentValue::CenterOf(r) => WEEKDAYS
                .get(6usize.saturating_sub(*r as usize))
                .map(|d| d.to_string())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    let mut boxes = Vec::new();
    let mut labels = Vec::new();
    for (row, hours) in cells.iter().enumerate() {
        let y = 6 - row as u32;
        for (hour, cell) in hours.iter().enumerate() {
            let x = hour as u32;
            let colour = match cell {
                Some((mean, _)) => {
                    let t = (mean / best).clamp(0.0, 1.0);
                    // From a pale to a deep green: higher engagement reads darker.
                    RGBColor(
                        (235.0 - 200.0 * t) as u8,
                        (245.0 - 110.0 * t) as u8,
                        (235.0 - 180.0 * t) as u8,
                    )
                }
                None => RGBColor(250, 250, 250),
            };
            boxes.push(Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                colour.filled(),
            ));
            if let Some((mean, posts)) = cell {
                let ink = if mean / best > 0.55 { WHITE } else { BLACK };
                let style = ("sans-serif", 12)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                labels.push(Text::new(
                    format!("{mean:.0}/{posts}"),
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    style,
                ));
            }
        }
    }
    chart.draw_series(boxes).map_err(err)?;
    chart.draw_series(labels).map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_charts_scale_to_their_container_and_mark_unusual_days() {
        let first = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let daily = [3.0, 4.0, 5.0, 4.0, 30.0, 4.0, 3.0];
        let plain = activity_svg(&daily, None, &[], first, "Messages").expect("svg");
        let marked = activity_svg(&daily, None, &[4], first, "Messages").expect("svg");
        assert!(plain.starts_with("<svg") && plain.contains("viewBox=\"0 0 900 420\""));
        let open = plain.lines().next().unwrap_or_default();
        assert!(
            !open.contains("width="),
            "a fixed size would not scale: {open}"
        );
        assert!(plain.contains(">\nMessages\n</text>") && plain.contains("Mar 01"));
        // The unusual day is a red circle; without one there is none.
        assert!(marked.contains("<circle") && marked.contains("#FF0000"));
        assert!(!plain.contains("#FF0000"));
        let heat = week_heatmap_svg(
            &[HourStat {
                weekday: "Tue".into(),
                hour: 18,
                posts: 4,
                engagement: 40,
                mean: 10.0,
            }],
            "Best times",
        )
        .expect("svg");
        assert!(heat.contains("\n10/4\n") && heat.contains("\nTue\n"));
    }
}
