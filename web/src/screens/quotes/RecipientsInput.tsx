import { TagsInput } from "@mantine/core";
import { useTranslation } from "react-i18next";

export const MAX_RECIPIENTS = 4; // a self-service quote (R-QUO-4)

/** Self-service: up to four addresses. Partner (`partner`): the customer's contacts plus up to
 * five others (R-QUO-3), which only the server can tell apart, so no count is enforced here. */
export function RecipientsInput({ value, onChange, partner = false }: { value: string[]; onChange: (v: string[]) => void; partner?: boolean }) {
  const { t } = useTranslation();
  return (
    <TagsInput
      label={t("quotes.recipients")}
      description={partner ? t("quotes.partnerRecipientsHint") : t("quotes.recipientsHint", { max: MAX_RECIPIENTS })}
      value={value}
      onChange={onChange}
      maxTags={partner ? 50 : MAX_RECIPIENTS}
      splitChars={[",", " ", ";"]}
      placeholder="name@company.example"
    />
  );
}
