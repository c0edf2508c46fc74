import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, minorDigits, parseMoney } from "./format";

const nbsp = /[\u00a0\u202f]/g; // Intl's (narrow) no-break spaces, shown as plain spaces here
const plain = (s: string) => s.replace(nbsp, " ");

describe("money per locale", () => {
  it("formats integer minor units with the currency's own decimals", () => {
    expect(formatMoney(123450, "EUR", "en-GB")).toBe("€1,234.50");
    expect(plain(formatMoney(123450, "EUR", "fr"))).toBe("1 234,50 €");
    expect(plain(formatMoney(123450, "EUR", "de-DE"))).toBe("1.234,50 €");
    expect(formatMoney(199000, "USD", "en-US")).toBe("$1,990.00");
    expect(formatMoney(240000, "JPY", "en-GB")).toBe("JP¥240,000");
    expect(plain(formatMoney(240000, "JPY", "fr"))).toBe("240 000 JPY");
  });

  it("knows how many minor digits a currency has", () => {
    expect(minorDigits("EUR")).toBe(2);
    expect(minorDigits("JPY")).toBe(0);
  });

  it("reads what a person types back into minor units, never through a float", () => {
    expect(parseMoney("12.34", "EUR")).toBe(1234);
    expect(parseMoney("12,3", "EUR")).toBe(1230);
    expect(parseMoney("0.10", "EUR")).toBe(10);
    expect(parseMoney("1500", "JPY")).toBe(1500);
    expect(parseMoney("1.5", "JPY")).toBeNull();
    expect(parseMoney("12.345", "EUR")).toBeNull();
    expect(parseMoney("abc", "EUR")).toBeNull();
  });

  it("shows a calendar date as the same day in every time zone", () => {
    expect(formatDate("2026-12-01", "en-GB")).toBe("1 Dec 2026");
    expect(formatDate("2026-12-01", "fr")).toBe("1 déc. 2026");
    expect(formatDate(null, "en")).toBe("—");
  });
});
