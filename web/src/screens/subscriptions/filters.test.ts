import { describe, expect, it } from "vitest";
import { DEFAULT_FILTERS, parseFilters, toQuery, toSearchParams, withChange } from "./filters";

describe("subscriptions table state in the URL", () => {
  it("round-trips every filter, the search, the sort and the page", () => {
    const state = {
      ...DEFAULT_FILTERS,
      q: "render",
      status: ["active", "trial"],
      term: "annual",
      autoRenew: "false" as const,
      currency: "EUR",
      paymentError: "true" as const,
      expiringWithinDays: 60,
      sort: "-seats",
      page: 3,
      pageSize: 50,
    };
    const url = toSearchParams(state).toString();
    expect(url).toBe("q=render&status=active&status=trial&term=annual&auto_renew=false&currency=EUR&payment_error=true&expiring=60&sort=-seats&page=3&size=50");
    expect(parseFilters(new URLSearchParams(url))).toEqual(state);
  });

  it("leaves defaults out of the address", () => {
    expect(toSearchParams(DEFAULT_FILTERS).toString()).toBe("");
  });

  it("ignores what an edited or old URL says wrongly", () => {
    const f = parseFilters(new URLSearchParams("status=sleeping&term=weekly&sort=price&page=-2&size=7&currency=euro&auto_renew=maybe"));
    expect(f).toEqual(DEFAULT_FILTERS);
  });

  it("starts again at page 1 when a filter changes, keeps the rest when paging", () => {
    const onPage4 = { ...DEFAULT_FILTERS, q: "cad", page: 4 };
    expect(withChange(onPage4, { status: ["active"] })).toMatchObject({ q: "cad", status: ["active"], page: 1 });
    expect(withChange(onPage4, { page: 5 })).toMatchObject({ q: "cad", page: 5 });
  });

  it("asks the API for the page the URL shows", () => {
    const q = toQuery({ ...DEFAULT_FILTERS, autoRenew: "true", page: 3, pageSize: 25 });
    expect(q).toMatchObject({ auto_renew: true, limit: 25, offset: 50, sort: "renewal_date" });
    expect(q.q).toBeUndefined();
  });
});
