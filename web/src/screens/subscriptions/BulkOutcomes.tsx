// Per-item outcomes of a bulk action (auto-renew on/off, link a payment method): each row says
// what happened to it; refused ones say why, in the server's words.
import { Alert, Badge, Group, Text, Tooltip } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { BulkResult, Outcome } from "../../api/client";
import { WHOLE_BADGE } from "../../components/common";

const COLORS: Record<Outcome["outcome"], string> = {
  changed: "green",
  unchanged: "gray",
  refused: "red",
  not_found: "orange",
};

export function outcomesById(result: BulkResult): Map<string, Outcome> {
  return new Map(result.results.map((r) => [r.subscription_id, r]));
}

export function OutcomeBadge({ outcome }: { outcome: Outcome | undefined }) {
  const { t } = useTranslation();
  if (!outcome) return null;
  const badge = (
    <Badge color={COLORS[outcome.outcome]} variant="dot" radius="sm" tt="none" styles={WHOLE_BADGE} data-testid="outcome">
      {t(`bulk.outcome.${outcome.outcome}`)}
    </Badge>
  );
  return (
    <Group gap={4} wrap="nowrap">
      {outcome.message ? (
        <Tooltip label={outcome.message} multiline w={280}>
          {badge}
        </Tooltip>
      ) : (
        badge
      )}
      {outcome.outcome === "refused" && outcome.message && (
        <Text size="xs" c="red.9" data-testid="outcome-reason" style={{ maxWidth: 260 }}>
          {outcome.message}
        </Text>
      )}
    </Group>
  );
}

export function OutcomeSummary({ result, onClose }: { result: BulkResult; onClose?: () => void }) {
  const { t } = useTranslation();
  const color = result.refused || result.not_found ? "orange" : "green";
  return (
    <Alert color={color} withCloseButton={!!onClose} onClose={onClose} closeButtonLabel={t("common.close")} role="status" data-testid="bulk-summary" title={t("bulk.done")}>
      {t("bulk.summary", {
        changed: result.changed,
        unchanged: result.unchanged,
        refused: result.refused,
        notFound: result.not_found,
      })}
    </Alert>
  );
}
