//! Charts as PNG, drawn in-process with plotters (bitmap backend, the DejaVu Sans font built
//! in, so no system fonts are needed): daily activity with its forecast band, and engagement
//! per post by hour of day.

use std::sync::Once;

use plotters::prelude::*;

use super::besttime::HourStat;
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

/// Member messages per day, then the forecast with its 95 % band.
pub fn activity(
    daily: &[f64],
    forecast: Option<&Forecast>,
    title: &str,
) -> Result<Vec<u8>, ChartError> {
    font();
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let ahead = forecast.map_or(0, |f| f.forecast.len());
        let top = daily
            .iter()
            .chain(forecast.iter().flat_map(|f| f.upper.iter()))
            .fold(1.0f64, |m, v| m.max(*v))
            * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(0f64..(daily.len() + ahead).max(2) as f64, 0f64..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("messages")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
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
                    .map(|(i, v)| (n + i as f64, *v)),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.15).filled())))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    f.forecast
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (n + i as f64, *v)),
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
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    encode(&rgb)
}

/// Engagement per post by local hour of day (all weekdays together).
pub fn hours(stats: &[HourStat], title: &str) -> Result<Vec<u8>, ChartError> {
    font();
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
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
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
        root.present().map_err(err)?;
    }
    encode(&rgb)
}
