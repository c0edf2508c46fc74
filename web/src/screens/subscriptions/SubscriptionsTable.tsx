import { Table } from "@mantine/core";
import { flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { memo } from "react";
import { useNavigate } from "react-router";
import type { Subscription } from "../../api/client";
import type { useSubscriptionColumns } from "./columns";

// A page is up to 100 rows of 18 columns: Mantine's Table.Tr/Table.Td are each a Box with its
// own props and styles resolution, about 1,900 components a page. The body's rows and cells are
// plain elements with Mantine's own classes and data attributes (the same look: striped rows,
// row borders, hover), so a new search renders the cells' content and little else.
const TR = Table.classes.tr;
const TD = Table.classes.td;

interface Props {
  rows: Subscription[];
  columns: ReturnType<typeof useSubscriptionColumns>;
  busy: boolean;
}

/** The table alone, memoised: typing, dialogs and bulk bars above it do not re-render it. */
export const SubscriptionsTable = memo(function SubscriptionsTable({ rows, columns, busy }: Props) {
  const navigate = useNavigate();
  // TanStack Table: the rows, columns and cells; paging, sorting and filtering are the server's.
  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualPagination: true,
    manualSorting: true,
    getRowId: (r) => r.id,
  });
  return (
    <Table.ScrollContainer minWidth={1200}>
      <Table striped highlightOnHover verticalSpacing={6} fz="sm" aria-busy={busy} data-testid="subscriptions-table">
        <Table.Thead>
          {table.getHeaderGroups().map((hg) => (
            <Table.Tr key={hg.id}>
              {hg.headers.map((h) => (
                <Table.Th key={h.id} scope="col">{flexRender(h.column.columnDef.header, h.getContext())}</Table.Th>
              ))}
            </Table.Tr>
          ))}
        </Table.Thead>
        <Table.Tbody>
          {table.getRowModel().rows.map((row) => (
            <tr
              key={row.id}
              className={TR}
              data-striped="odd"
              data-hover
              data-with-row-border
              data-id={row.id}
              style={{ cursor: "pointer" }}
              onClick={() => navigate(`/subscriptions/${row.id}`)}
            >
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id} className={TD}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
              ))}
            </tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
});
