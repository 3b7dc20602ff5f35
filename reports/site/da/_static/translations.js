Documentation.addTranslations({
 "locale": "da",
 "messages": {
  ", in ": ", i",
  "Hide Search Matches": "Skjul søgeresultater",
  "Preparing search...": "Forbereder søgningen …",
  "Search": "Søg",
  "Search Results": "Søgeresultater",
  "Search finished, found one page matching the search query.": [
   "Søgningen er færdig: 1 side passer til søgningen.",
   "Søgningen er færdig: ${resultCount} sider passer til søgningen."
  ],
  "Searching": "Søger",
  "Your search did not match any documents. Please make sure that all words are spelled correctly and that you've selected enough categories.": "Ingen sider passer til søgningen. Tjek stavningen, eller prøv et andet ord."
 },
 "plural_expr": "n === 1 ? 0 : 1"
});
