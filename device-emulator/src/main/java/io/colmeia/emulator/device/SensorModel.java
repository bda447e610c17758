package io.colmeia.emulator.device;

import java.util.SplittableRandom;

/**
 * Plausible indoor readings that drift like real sensors: a slow daily cycle plus a bounded random walk.
 * Temperature (°C) and humidity (%) with two decimals as the DHT22 firmware prints them; light (lux-like
 * 0..1023 ADC counts) as an integer. Not thread-safe: one model per device, used on its event loop.
 */
public final class SensorModel {

    private final SplittableRandom random;
    private final double baseTemperature;
    private final double baseHumidity;
    private final double baseLight;
    private double temperatureDrift;
    private double humidityDrift;
    private double lightDrift;

    public SensorModel(long seed) {
        this.random = new SplittableRandom(seed);
        this.baseTemperature = 21 + random.nextDouble() * 6;   // 21..27 °C
        this.baseHumidity = 35 + random.nextDouble() * 30;     // 35..65 %
        this.baseLight = 200 + random.nextDouble() * 700;      // 200..900
    }

    /** One reading at the given device time (epoch seconds). */
    public Reading read(long epochSeconds) {
        double dayPhase = 2 * Math.PI * ((epochSeconds % 86_400) / 86_400.0);
        temperatureDrift = clamp(temperatureDrift + (random.nextDouble() - 0.5) * 0.2, -3, 3);
        humidityDrift = clamp(humidityDrift + (random.nextDouble() - 0.5) * 0.6, -10, 10);
        lightDrift = clamp(lightDrift + (random.nextDouble() - 0.5) * 30, -150, 150);
        double temperature = baseTemperature + 2 * Math.sin(dayPhase) + temperatureDrift;
        double humidity = clamp(baseHumidity - 5 * Math.sin(dayPhase) + humidityDrift, 0, 100);
        int light = (int) Math.round(clamp(baseLight + 100 * Math.sin(dayPhase) + lightDrift, 0, 1023));
        return new Reading(round2(temperature), round2(humidity), light);
    }

    /** One set of readings. */
    public record Reading(double temperature, double humidity, int light) {
    }

    private static double clamp(double v, double min, double max) {
        return Math.max(min, Math.min(max, v));
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
