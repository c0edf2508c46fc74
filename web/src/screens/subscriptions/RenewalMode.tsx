import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Subscription } from "../../api/client";
import { WHOLE_BADGE } from "../../components/common";

export function RenewalMode({ sub }: { sub: Subscription }) {
  const { t } = useTranslation();
  return sub.renews_automatically ? (
    <Badge color="teal" variant="dot" radius="sm" tt="none" styles={WHOLE_BADGE}>{t("subscriptions.automatic")}</Badge>
  ) : (
    <Badge color="orange" variant="dot" radius="sm" tt="none" styles={WHOLE_BADGE}>{t("subscriptions.manual")}</Badge>
  );
}
