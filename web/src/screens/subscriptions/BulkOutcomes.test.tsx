import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import i18n from "../../i18n";
import type { BulkResult } from "../../api/client";
import { OutcomeBadge, OutcomeSummary, outcomesById } from "./BulkOutcomes";

const result: BulkResult = {
  changed: 2,
  unchanged: 1,
  refused: 1,
  not_found: 0,
  results: [
    { subscription_id: "sub-a", outcome: "changed" },
    { subscription_id: "sub-b", outcome: "changed" },
    { subscription_id: "sub-c", outcome: "unchanged" },
    { subscription_id: "sub-d", outcome: "refused", code: "manual_renewal_only", message: "Bank transfers always renew manually (R-SUB-9)." },
  ],
};

function Rows() {
  const byId = outcomesById(result);
  return (
    <MantineProvider>
      <OutcomeSummary result={result} />
      {["sub-a", "sub-b", "sub-c", "sub-d", "sub-e"].map((id) => (
        <div key={id} data-testid={id}>
          <OutcomeBadge outcome={byId.get(id)} />
        </div>
      ))}
    </MantineProvider>
  );
}

describe("per-item outcomes of a bulk action", () => {
  afterEach(() => void i18n.changeLanguage("en"));

  it("shows each row's outcome, the refusal's reason, and nothing on rows not asked for", () => {
    render(<Rows />);
    expect(screen.getByTestId("bulk-summary")).toHaveTextContent("2 changed, 1 already so, 1 refused, 0 not found.");
    expect(screen.getByTestId("sub-a")).toHaveTextContent("Changed");
    expect(screen.getByTestId("sub-c")).toHaveTextContent("Unchanged");
    expect(screen.getByTestId("sub-d")).toHaveTextContent("Refused");
    expect(screen.getByTestId("sub-d")).toHaveTextContent("Bank transfers always renew manually (R-SUB-9).");
    expect(screen.getByTestId("sub-e")).toBeEmptyDOMElement();
  });

  it("speaks French", async () => {
    await i18n.changeLanguage("fr");
    render(<Rows />);
    expect(screen.getByTestId("bulk-summary")).toHaveTextContent("2 modifié(s), 1 déjà ainsi, 1 refusé(s), 0 introuvable(s).");
    expect(screen.getByTestId("sub-d")).toHaveTextContent("Refusé");
  });
});
