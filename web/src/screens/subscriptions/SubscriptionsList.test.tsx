import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders } from "../../test/render";
import SubscriptionsList from "./SubscriptionsList";

// The component's own logic (filters ↔ URL ↔ API query); the real API is in the browser tests.
const requests: string[] = [];

beforeEach(() => {
  requests.length = 0;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: Request | string) => {
      const url = typeof input === "string" ? input : input.url;
      requests.push(url);
      return new Response(JSON.stringify({ items: [], total: 0, limit: 25, offset: 0 }), {
        status: 200,
        headers: { "Content-Type": "application/json" },
      });
    }),
  );
});
afterEach(() => vi.unstubAllGlobals());

describe("subscriptions table: filters and the URL", () => {
  it("starts from what the URL says and asks the API for exactly that", async () => {
    renderWithProviders(<SubscriptionsList />, "/subscriptions?q=cad&status=active&sort=-seats&page=2");
    expect(screen.getByLabelText("Search")).toHaveValue("cad");
    await waitFor(() => expect(requests.length).toBeGreaterThan(0));
    const asked = new URL(requests.at(-1)!);
    expect(asked.pathname).toBe("/v1/subscriptions");
    expect(asked.searchParams.get("q")).toBe("cad");
    expect(asked.searchParams.getAll("status")).toEqual(["active"]);
    expect(asked.searchParams.get("sort")).toBe("-seats");
    expect(asked.searchParams.get("offset")).toBe("25");
  });

  it("puts a search in the URL and starts again at page 1", async () => {
    renderWithProviders(<SubscriptionsList />, "/subscriptions?page=3");
    fireEvent.change(screen.getByLabelText("Search"), { target: { value: "render" } });
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/subscriptions?q=render"));
    await waitFor(() => expect(new URL(requests.at(-1)!).searchParams.get("offset")).toBe("0"));
  });

  it("says what to do when nothing matches", async () => {
    renderWithProviders(<SubscriptionsList />, "/subscriptions?q=nothing");
    expect(await screen.findByText(/No subscription matches these filters/)).toBeInTheDocument();
  });
});
